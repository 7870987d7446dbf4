using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Melos.Studio;

/// <summary>
/// A request body that System.Text.Json refused, said in the API's words: the field's JSON path (<c>bars</c>,
/// <c>melody.notes[0].pitch</c>) and what it must be (<c>must be a whole number</c>), or that the field is unknown, never
/// the .NET type it was bound to.
/// </summary>
public static partial class StudioJsonErrors
{
    /// <summary>
    /// The field and reason for a <see cref="JsonException"/> reading a body of type <paramref name="bodyType"/>, or null
    /// when the exception names no field (the body is not JSON at all).
    /// </summary>
    /// <param name="e">The exception.</param>
    /// <param name="bodyType">The type the body was read as, when known: what a mistyped field must be is found in it.</param>
    /// <param name="options">The serializer options the body was read with.</param>
    public static (string Field, string Reason)? Describe(JsonException e, Type? bodyType, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(options);
        var segments = Segments(e.Path);
        if (Unmapped().Match(e.Message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups[1].Value;
            if (segments.Count == 0 || segments[^1] != name) segments.Add(name);
            return (Join(segments), "is not a field of this request; remove it (see /openapi/v1.json for the fields each endpoint takes)");
        }
        if (segments.Count == 0 || !e.Message.Contains("could not be converted", StringComparison.Ordinal)) return null;
        var type = bodyType is null ? null : TypeAt(bodyType, segments, options);
        return (Join(segments), type is null ? "has the wrong type" : "must be " + Expected(type, options));
    }

    /// <summary>What a value of <paramref name="type"/> is in JSON: "a whole number", "a number or null", "an array", …</summary>
    public static string Expected(Type type, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(options);
        var inner = Nullable.GetUnderlyingType(type);
        var t = inner ?? type;
        string what = Type.GetTypeCode(t) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String or TypeCode.Char => "a string",
            _ => options.GetTypeInfo(t).Kind switch
            {
                JsonTypeInfoKind.Enumerable => "an array",
                _ => "an object",
            },
        };
        return inner is null ? what : what + " or null";
    }

    /// <summary>The type of the value at a path inside <paramref name="root"/>, or null when the path leads nowhere known.</summary>
    private static Type? TypeAt(Type root, List<string> segments, JsonSerializerOptions options)
    {
        Type? type = root;
        foreach (var segment in segments)
        {
            if (type is null) return null;
            type = Nullable.GetUnderlyingType(type) ?? type;
            var info = options.GetTypeInfo(type);
            if (segment.StartsWith('[')) type = info.Kind == JsonTypeInfoKind.Enumerable ? info.ElementType : null;
            else type = info.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase))?.PropertyType
                : null;
        }
        return type;
    }

    /// <summary>The steps of a System.Text.Json path (<c>$.melody.notes[0].pitch</c>): names, and indexes as <c>[0]</c>.</summary>
    private static List<string> Segments(string? path)
    {
        var list = new List<string>();
        if (string.IsNullOrEmpty(path)) return list;
        foreach (Match m in Step().Matches(path))
        {
            if (m.Groups["name"].Success) list.Add(m.Groups["name"].Value);
            else if (m.Groups["quoted"].Success) list.Add(m.Groups["quoted"].Value.Replace("''", "'", StringComparison.Ordinal));
            else list.Add("[" + m.Groups["index"].Value + "]");
        }
        return list;
    }

    /// <summary>The path as the API's <c>field</c> gives it: <c>melody.notes[0].pitch</c>.</summary>
    private static string Join(List<string> segments)
    {
        var sb = new StringBuilder();
        foreach (var s in segments)
        {
            if (sb.Length > 0 && !s.StartsWith('[')) sb.Append('.');
            sb.Append(s);
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex Step();

    [GeneratedRegex(@"The JSON property '(.*)' could not be mapped to any \.NET member")]
    private static partial Regex Unmapped();
}
