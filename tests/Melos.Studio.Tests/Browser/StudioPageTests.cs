using Melos.Formats.Midi;
using Melos.Tests;
using Microsoft.Playwright;

namespace Melos.Studio.Tests.Browser;

/// <summary>The studio page in headless Chromium against the real app and the shipped model.</summary>
public sealed class StudioPageTests(StudioBrowserFixture studio) : IClassFixture<StudioBrowserFixture>
{
    // Tests that need abcjs (notation) or a clean console (a missing abcjs is a failed load) also need npm, with which
    // the build installs abcjs into the page.

    /// <summary>Set to 1 to write the screenshot the README shows (docs/images/studio.png).</summary>
    private const string UpdateScreenshotVariable = "MELOS_UPDATE_SCREENSHOT";

    private static readonly (int Pitch, double Start)[] Phrase =
        [(67, 0), (71, 1), (74, 2), (71, 3), (72, 4), (76, 5), (74, 6), (67, 7)];

    [ProgramFact("chromium", "npm")]
    public async Task A_phrase_gets_an_answer_a_bar_is_regenerated_and_the_midi_download_reads_back()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        await SetAsync(page, "#bars", "2");
        await SetAsync(page, "#answer-bars", "2");
        await page.SelectOptionAsync("#length", "1");

        // The phrase: seven notes from the on-screen keyboard (step entry), the last one by a click on the piano roll.
        foreach (var (pitch, _) in Phrase[..^1]) await page.ClickAsync($"#key-{pitch}");
        await ClickRollAsync(page, Phrase[^1].Pitch, Phrase[^1].Start);
        var phrase = await s.NotesAsync();
        Assert.Equal(Phrase, phrase.Select(n => (n.Pitch, n.Start)));
        Assert.All(phrase, n => Assert.Equal((1.0, "user"), (n.Duration, n.Origin)));

        // Answer: two more bars drawn in the model's colour after the phrase, the phrase unchanged.
        await page.ClickAsync("#answer");
        await page.WaitForSelectorAsync("#roll .note[data-origin='model']");
        await s.IdleAsync();
        var answered = await s.NotesAsync();
        Assert.Equal(phrase, answered.Where(n => n.Origin == "user"));
        var answer = answered.Where(n => n.Origin == "model").ToList();
        Assert.NotEmpty(answer);
        Assert.All(answer, n => Assert.True(n.Start >= 8 && n.Start + n.Duration <= 16 + 1e-9, $"answer note {n} outside bars 3-4"));
        Assert.Equal("4", await page.InputValueAsync("#bars"));
        Assert.Contains("answer", await page.InnerTextAsync("#status"), StringComparison.Ordinal);

        // Regenerate bar 3 (selected on the ruler): every note outside it stays as it was.
        await page.ClickAsync("#roll .ruler-bar[data-bar='3']");
        Assert.Equal("bar 3", await page.InnerTextAsync("#selection-label"));
        await page.ClickAsync("#regenerate");
        await page.WaitForFunctionAsync("document.querySelector('#status').textContent.startsWith('regenerated bar 3')");
        await s.IdleAsync();
        var regenerated = await s.NotesAsync();
        static bool OutsideBar3(DrawnNote n) => n.Start < 8 || n.Start >= 12;
        Assert.Equal(answered.Where(OutsideBar3), regenerated.Where(OutsideBar3));
        Assert.All(regenerated.Where(n => !OutsideBar3(n)), n => Assert.Equal("model", n.Origin));

        // Undo and redo cover model answers.
        await page.Keyboard.PressAsync("Control+z");
        Assert.Equal(answered, await s.NotesAsync());
        await page.Keyboard.PressAsync("Control+Shift+z");
        Assert.Equal(regenerated, await s.NotesAsync());

        // A variation keeps the length; undo brings the melody back.
        await page.ClickAsync("#vary");
        await page.WaitForFunctionAsync("document.querySelector('#status').textContent.startsWith('variation:')");
        await s.IdleAsync();
        Assert.Equal("4", await page.InputValueAsync("#bars"));
        Assert.NotEmpty(await s.NotesAsync());
        await page.Keyboard.PressAsync("Control+z");
        Assert.Equal(regenerated, await s.NotesAsync());

        // Notation of the whole melody with its chord symbols, by abcjs.
        await page.WaitForSelectorAsync("#notation svg .abcjs-note");
        Assert.True(await page.Locator("#notation svg .abcjs-chord").CountAsync() >= 4, "the chord symbols are not in the notation");

        // Colour by probability: every note gets the model's probability; a click on a note shows the alternatives.
        await page.SelectOptionAsync("#colour-mode", "probability");
        await page.WaitForFunctionAsync("Array.from(document.querySelectorAll('#roll .note')).every(n => n.dataset.probability !== undefined)");
        var probabilities = await page.EvaluateAsync<double[]>("Array.from(document.querySelectorAll('#roll .note')).map(n => Number(n.dataset.probability))");
        Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
        await page.ClickAsync("#roll .note[data-origin='model']", new() { Position = new() { X = 2, Y = 4 } });
        await page.WaitForSelectorAsync("#alternatives-table tr");
        Assert.True(await page.Locator("#alternatives-table tr").CountAsync() >= 1);
        await s.IdleAsync();

        // The MIDI download holds the melody the page shows.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-mid"));
        Assert.Equal("melos.mid", download.SuggestedFilename);
        var file = Path.Combine(Path.GetTempPath(), $"melos-studio-{Guid.NewGuid():N}.mid");
        try
        {
            await download.SaveAsAsync(file);
            var melody = MidiMelody.Read(file);
            var shown = await s.NotesAsync();
            Assert.Equal(shown.Select(n => (n.Pitch, n.Start, n.Duration)),
                melody.Notes.Select(n => (n.Pitch.Number, n.Start.ToQuarterDouble(), n.Length.ToQuarterDouble())).Select(t => (t.Number, Math.Round(t.Item2, 6), Math.Round(t.Item3, 6))));
        }
        finally
        {
            File.Delete(file);
        }

        // The other downloads: ABC text, MusicXML, a WAV file.
        foreach (var (format, signature) in new[] { ("abc", "X:"), ("musicxml", "<?xml"), ("wav", "RIFF") })
        {
            var other = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync($"#download-{format}"));
            Assert.Equal($"melos.{format}", other.SuggestedFilename);
            await using var stream = await other.CreateReadStreamAsync();
            var head = new byte[5];
            int read = await stream.ReadAtLeastAsync(head, 5, throwOnEndOfStream: false);
            Assert.StartsWith(signature, System.Text.Encoding.ASCII.GetString(head, 0, read), StringComparison.Ordinal);
        }

        await page.SelectOptionAsync("#colour-mode", "origin");
        await page.ClickAsync("#roll .note[data-origin='model']", new() { Position = new() { X = 2, Y = 4 } });
        await page.WaitForSelectorAsync("#alternatives-table tr");
        await s.IdleAsync();
        var shot = await page.ScreenshotAsync(new() { FullPage = true });
        Assert.True(shot.Length > 10_000);
        if (Environment.GetEnvironmentVariable(UpdateScreenshotVariable) == "1")
            await File.WriteAllBytesAsync(Path.Combine(Datasets.RepoRoot, "docs", "images", "studio.png"), shot);

        Assert.Empty(s.Errors);
        Assert.Empty(s.ForeignRequests(studio.Address));
    }

    [ProgramFact("chromium", "npm")]
    public async Task The_piano_roll_adds_moves_resizes_and_deletes_notes_with_undo()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        await page.SelectOptionAsync("#grid", "0.25");
        await page.SelectOptionAsync("#length", "0.5");

        await ClickRollAsync(page, 64, 1);
        Assert.Equal([new DrawnNote(64, 1, 0.5, "user")], await s.NotesAsync());

        // Drag the note's body two rows up and one quarter right.
        var (x, y) = await RollPointAsync(page, 64, 1.1);
        var (x2, y2) = await RollPointAsync(page, 66, 2.1);
        await DragAsync(page, x, y, x2, y2);
        Assert.Equal([new DrawnNote(66, 2, 0.5, "user")], await s.NotesAsync());

        // Drag its right edge from 2.5 to 3.5 quarters.
        var (ex, ey) = await RollPointAsync(page, 66, 2.5);
        var (ex2, _) = await RollPointAsync(page, 66, 3.5);
        await DragAsync(page, ex - 2, ey, ex2, ey);
        Assert.Equal([new DrawnNote(66, 2, 1.5, "user")], await s.NotesAsync());

        // A second note; the line stays monophonic (a note added inside another shortens it).
        await ClickRollAsync(page, 60, 3);
        Assert.Equal([new DrawnNote(66, 2, 1, "user"), new DrawnNote(60, 3, 0.5, "user")], await s.NotesAsync());

        // Delete the selected (last added) note with the Delete key, the other with a double-click.
        await page.Keyboard.PressAsync("Delete");
        Assert.Equal([new DrawnNote(66, 2, 1, "user")], await s.NotesAsync());
        await page.DblClickAsync("#roll .note", new() { Position = new() { X = 4, Y = 4 } });
        Assert.Empty(await s.NotesAsync());

        // Undo walks back through every edit; redo walks forward again.
        await page.ClickAsync("#undo");
        Assert.Equal([new DrawnNote(66, 2, 1, "user")], await s.NotesAsync());
        await page.ClickAsync("#undo");
        await page.ClickAsync("#undo");
        Assert.Equal([new DrawnNote(66, 2, 1.5, "user")], await s.NotesAsync());
        await page.ClickAsync("#redo");
        Assert.Equal([new DrawnNote(66, 2, 1, "user"), new DrawnNote(60, 3, 0.5, "user")], await s.NotesAsync());

        // Bar selection by dragging on the ruler.
        var (b1, ry) = await RulerPointAsync(page, 1);
        var (b3, _) = await RulerPointAsync(page, 3);
        await DragAsync(page, b1, ry, b3, ry);
        Assert.Equal("bars 1–3", await page.InnerTextAsync("#selection-label"));

        await s.IdleAsync();
        Assert.Empty(s.Errors);
        Assert.Empty(s.ForeignRequests(studio.Address));
    }

    [ProgramFact("chromium")]
    public async Task An_api_error_is_shown_in_the_status_line()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        await page.ClickAsync("#key-67");
        // The server reads the chord text (POST /api/chords): a chord it does not know is refused with a one-line detail
        // naming the field, shown in the status line, and the text is not kept.
        await page.FillAsync("#chords", "G Hm");
        await page.PressAsync("#chords", "Tab");
        await page.WaitForSelectorAsync("#status.error");
        var message = await page.InnerTextAsync("#status");
        Assert.StartsWith("text: ", message, StringComparison.Ordinal);
        Assert.Contains("Hm", message, StringComparison.Ordinal);
        Assert.Equal("G D Em C", await page.EvaluateAsync<string>("window.melosStudio.doc.chordsText"));
        // A length that is not a whole number of beats: the command line's message.
        await page.FillAsync("#chords", "G:x");
        await page.PressAsync("#chords", "Tab");
        await page.WaitForFunctionAsync("document.querySelector('#status').textContent.includes('G:x')");
        Assert.Equal("G D Em C", await page.EvaluateAsync<string>("window.melosStudio.doc.chordsText"));
        await s.IdleAsync();
        Assert.Empty(await page.Locator("#roll .note[data-origin='model']").AllAsync());
        Assert.Contains(s.Requests, u => u.EndsWith("/api/chords", StringComparison.Ordinal));
        Assert.Empty(s.ForeignRequests(studio.Address));
    }

    [ProgramFact("chromium")]
    public async Task The_page_builds_its_controls_from_the_model_and_lays_chords_out_as_the_command_line_does()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        var info = System.Text.Json.JsonSerializer.Deserialize<ModelInfo>(await page.EvaluateAsync<string>("fetch('/api/model').then(r => r.text())"),
            new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        Assert.Contains(s.Requests, u => u.EndsWith("/api/model", StringComparison.Ordinal));

        // Keys, meters, styles, grid and note lengths: the model's, in its order.
        async Task<string[]> Options(string select) => await page.EvaluateAsync<string[]>($"Array.from(document.querySelectorAll('{select} option')).map(o => o.value)");
        Assert.Equal(info.Keys.Select(k => k.Name), await Options("#key"));
        Assert.Equal(info.Meters.Select(m => m.Name), await Options("#meter"));
        string[] styles = ["", .. info.Styles];
        Assert.Equal(styles, await Options("#style"));
        Assert.Equal(info.NoteLengths.Where(l => l.Quarters <= 1).Select(l => l.Quarters), (await Options("#grid")).Select(double.Parse));
        Assert.Equal(info.NoteLengths.Where(l => l.Quarters <= 2).Select(l => l.Quarters), (await Options("#length")).Select(double.Parse));
        Assert.Equal(("0.25", "0.5"), (await page.InputValueAsync("#grid"), await page.InputValueAsync("#length")));

        // G:2 lasts two beats of the meter in the page as on the command line: the melody the page sends and the chord
        // row it draws hold ChordProgression's layout, in every meter.
        await page.FillAsync("#chords", "G:2 D Em C");
        await page.PressAsync("#chords", "Tab");
        await page.WaitForFunctionAsync("window.melosStudio.doc.chordsText === 'G:2 D Em C'");
        foreach (var meter in new[] { "4/4", "3/4", "6/8", "2/4" })
        {
            await page.SelectOptionAsync("#meter", meter);
            await s.IdleAsync();
            int bars = int.Parse(await page.InputValueAsync("#bars"), System.Globalization.CultureInfo.InvariantCulture);
            var signature = Melos.Music.TimeSignature.Parse(meter);
            var end = signature.BarLength * new Melos.Music.Rational(bars, 1);
            var cli = Melos.Generation.ChordProgression.Layout(Melos.Generation.ChordProgression.Parse("G:2 D Em C"), signature, end)
                .Select(c => $"{c.Chord}@{c.At.ToQuarterDouble()}").ToList();
            var sent = await page.EvaluateAsync<string[]>("window.melosStudio.melody.then(m => m.chords.map(c => `${c.symbol}@${c.start}`))");
            Assert.Equal(cli, sent);
            await page.WaitForFunctionAsync($"document.querySelectorAll('#roll .chord').length === {cli.Count}");
            var drawn = await page.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('#roll .chord')).map(c => `${c.dataset.symbol}@${Number(c.dataset.start)}`)");
            Assert.Equal(cli, drawn);
            var g = await page.EvaluateAsync<double>("Number(document.querySelector('#roll .chord').dataset.length)");
            Assert.Equal(2 * signature.BeatLength.ToQuarterDouble(), g);
        }
        Assert.Contains(s.Requests, u => u.EndsWith("/api/chords", StringComparison.Ordinal));
        Assert.Empty(s.Errors);
    }

    [ProgramFact("chromium", "npm")]
    public async Task Playing_moves_the_playhead_and_a_recorded_take_is_quantized_then_answered_in_duet()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        await SetAsync(page, "#tempo", "400");
        await SetAsync(page, "#answer-bars", "1");
        await page.SelectOptionAsync("#grid", "0.5");

        // Playback of an entered phrase moves the playhead across the roll.
        await page.ClickAsync("#key-60");
        await page.ClickAsync("#key-64");
        await page.ClickAsync("#play");
        await page.WaitForFunctionAsync("Number(document.querySelector('#playhead').getAttribute('x1')) > 0");
        await page.ClickAsync("#stop");
        await page.ClickAsync("#clear");
        Assert.Empty(await s.NotesAsync());

        // Duet: record two notes after the count-in; a bar of silence later the model answers on its own.
        await page.CheckAsync("#duet");
        await page.ClickAsync("#record");
        await page.WaitForFunctionAsync("Number(document.querySelector('#playhead').getAttribute('x1')) >= 0");
        foreach (var pitch in new[] { 67, 69 })
        {
            var key = page.Locator($"#key-{pitch}");
            await key.HoverAsync();
            await page.Mouse.DownAsync();
            await page.WaitForTimeoutAsync(150);
            await page.Mouse.UpAsync();
        }
        await page.WaitForSelectorAsync("#roll .note[data-origin='model']", new() { Timeout = 30_000 });
        await page.UncheckAsync("#duet");
        await page.ClickAsync("#stop");
        await s.IdleAsync();
        var notes = await s.NotesAsync();
        var take = notes.Where(n => n.Origin == "user").ToList();
        Assert.Equal([67, 69], take.Select(n => n.Pitch));
        Assert.All(take, n => Assert.True(n.Start % 0.5 == 0 && n.Duration % 0.5 == 0 && n.Duration > 0, $"{n} is off the 1/8 grid"));
        Assert.All(notes.Where(n => n.Origin == "model"), n => Assert.True(n.Start >= 4, $"answer note {n} inside the phrase's bar"));
        Assert.Empty(s.Errors);
        Assert.Empty(s.ForeignRequests(studio.Address));
    }

    [ProgramFact("chromium")]
    public async Task Web_midi_input_enters_notes()
    {
        var context = await studio.Browser.NewContextAsync();
        // A stand-in for a connected keyboard: Web MIDI as the page sees it, with one input the test plays.
        await context.AddInitScriptAsync("""
            window.fakeMidiInput = { name: 'test keyboard', onmidimessage: null };
            navigator.requestMIDIAccess = async () => ({ inputs: new Map([['k', window.fakeMidiInput]]), onstatechange: null });
            """);
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync(studio.Address.AbsoluteUri);
            await page.WaitForFunctionAsync("document.body.getAttribute('aria-busy') === 'false' && document.querySelector('#model-name').textContent !== 'model: …'");
            await page.ClickAsync("#midi-connect");
            await page.WaitForFunctionAsync("document.querySelector('#midi-status').textContent === 'MIDI: 1 input'");
            await page.EvaluateAsync("""
                () => {
                  const send = bytes => window.fakeMidiInput.onmidimessage({ data: new Uint8Array(bytes) });
                  send([0x90, 62, 100]); send([0x80, 62, 0]);
                  send([0x91, 66, 90]); send([0x91, 66, 0]);
                }
                """);
            var pitches = await page.EvaluateAsync<int[]>("Array.from(document.querySelectorAll('#roll .note')).map(n => Number(n.dataset.pitch))");
            Assert.Equal([62, 66], pitches);
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    [ProgramFact("chromium")]
    public async Task Without_the_notation_library_the_page_says_notation_unavailable_and_still_works()
    {
        // The page as a build without npm serves it: no lib/ folder.
        var source = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var root = Directory.CreateTempSubdirectory("melos-studio-nolib-").FullName;
        var app = StudioApp.Build(new StudioOptions(Path.Combine(Datasets.RepoRoot, "models", "default")) { WebRoot = root }, ["--urls", "http://127.0.0.1:0"]);
        try
        {
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(source, file);
                if (relative.StartsWith("lib", StringComparison.Ordinal) || relative.EndsWith(".gz", StringComparison.Ordinal)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, relative))!);
                File.Copy(file, Path.Combine(root, relative));
            }
            await app.StartAsync();
            var address = new Uri(app.Urls.First());
            await using var s = await StudioPage.OpenAsync(studio.Browser, address);
            await s.Page.ClickAsync("#key-67");
            await s.Page.WaitForSelectorAsync("#notation-unavailable");
            Assert.Contains("K:", await s.Page.InnerTextAsync("#notation pre"), StringComparison.Ordinal);
            Assert.Single(await s.NotesAsync());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(root, true);
        }
    }

    [ProgramFact("chromium")]
    public async Task The_bar_beat_grid_and_monophony_helpers_compute_hand_checked_cases()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var result = await s.Page.EvaluateAsync<string>("""
            async () => {
              const m = await import('/js/music.js');
              return JSON.stringify({
                bar: [m.barQuarters('6/8'), m.barQuarters('3/4'), m.beatQuarters('2/2'), m.beatQuarters('6/8')],
                snap: [m.snap(1.13, 0.25), m.snap(0.34, 1 / 3), m.snapDown(0.99, 0.5)],
                needed: m.barsNeeded([{ start: 7.5, duration: 0.5 }, { start: 8, duration: 0.25 }], '4/4'),
                mono: m.monophonic([{ id: 1, pitch: 60, start: 0, duration: 2 }, { id: 2, pitch: 62, start: 1, duration: 1 }, { id: 3, pitch: 64, start: 1.5, duration: 1 }], 2),
                names: [m.pitchName(60), m.pitchName(70), m.pitchName(21)],
              });
            }
            """);
        using var doc = System.Text.Json.JsonDocument.Parse(result);
        var r = doc.RootElement;
        Assert.Equal([3.0, 3.0, 2.0, 1.5], r.GetProperty("bar").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Equal([1.25, 0.333333, 0.5], r.GetProperty("snap").EnumerateArray().Select(x => Math.Round(x.GetDouble(), 6)));
        Assert.Equal(3, r.GetProperty("needed").GetInt32());
        // Note 2 wins: note 1 is cut where it starts, note 3 (starting inside it) is dropped.
        Assert.Equal("1:60@0+1 2:62@1+1", string.Join(" ", r.GetProperty("mono").EnumerateArray().Select(n =>
            $"{n.GetProperty("id").GetInt32()}:{n.GetProperty("pitch").GetInt32()}@{n.GetProperty("start").GetDouble()}+{n.GetProperty("duration").GetDouble()}")));
        Assert.Equal(["C4", "Bb4", "A0"], r.GetProperty("names").EnumerateArray().Select(x => x.GetString()));
    }

    [ProgramFact("chromium", "npm")]
    public async Task An_answer_to_a_melody_edited_while_the_model_was_thinking_is_set_aside()
    {
        await using var s = await StudioPage.OpenAsync(studio.Browser, studio.Address);
        var page = s.Page;
        await page.ClickAsync("#key-67");
        await page.ClickAsync("#key-71");
        // Hold the request until the musician has edited the melody.
        var edited = new TaskCompletionSource();
        await page.RouteAsync("**/api/continue", async route =>
        {
            await edited.Task;
            await route.ContinueAsync();
        });
        await page.ClickAsync("#answer");
        await page.WaitForSelectorAsync("#busy:not([hidden])");
        await page.ClickAsync("#key-74");
        edited.SetResult();
        await page.WaitForFunctionAsync("document.querySelector('#status').textContent.includes('changed while the model was thinking')");
        await s.IdleAsync();
        Assert.Equal([67, 71, 74], (await s.NotesAsync()).Select(n => n.Pitch));
        Assert.All(await s.NotesAsync(), n => Assert.Equal("user", n.Origin));
        Assert.Empty(s.Errors);
    }

    private static async Task SetAsync(IPage page, string selector, string value)
    {
        await page.FillAsync(selector, value);
        await page.DispatchEventAsync(selector, "change");
    }

    /// <summary>The page coordinates of a time and pitch on the piano roll (from the SVG's data- attributes).</summary>
    private static async Task<(float X, float Y)> RollPointAsync(IPage page, int pitch, double start)
    {
        var box = await page.Locator("#roll").BoundingBoxAsync() ?? throw new InvalidOperationException("no piano roll");
        var d = await page.EvaluateAsync<double[]>("(() => { const d = document.querySelector('#roll').dataset; return [Number(d.ppq), Number(d.rowHeight), Number(d.maxPitch), Number(d.top)]; })()");
        double ppq = d[0], row = d[1], max = d[2], top = d[3];
        return ((float)(box.X + start * ppq + 1), (float)(box.Y + top + (max - pitch) * row + row / 2));
    }

    private static async Task<(float X, float Y)> RulerPointAsync(IPage page, int bar)
    {
        var box = await page.Locator($"#roll .ruler-bar[data-bar='{bar}']").BoundingBoxAsync() ?? throw new InvalidOperationException($"no bar {bar}");
        return (box.X + box.Width / 2, box.Y + box.Height / 2);
    }

    private static async Task ClickRollAsync(IPage page, int pitch, double start)
    {
        var (x, y) = await RollPointAsync(page, pitch, start);
        await page.Mouse.ClickAsync(x + 2, y);
    }

    private static async Task DragAsync(IPage page, float x, float y, float x2, float y2)
    {
        await page.Mouse.MoveAsync(x, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync((x + x2) / 2, (y + y2) / 2, new() { Steps = 3 });
        await page.Mouse.MoveAsync(x2, y2, new() { Steps = 3 });
        await page.Mouse.UpAsync();
    }
}
