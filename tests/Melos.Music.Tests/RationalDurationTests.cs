using FsCheck.Xunit;
using Melos.Music;

namespace Melos.Music.Tests;

public sealed class RationalDurationTests
{
    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool RationalParseRoundTrips(Rational r) => Rational.Parse(r.ToString()) == r;

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool AdditionIsExactAndInvertible(Rational a, Rational b) => a + b - b == a && (a + b) == (b + a);

    [Property(Arbitrary = [typeof(MusicArbitraries)])]
    public bool OrderingAgreesWithDoubles(Rational a, Rational b) =>
        a.ToDouble() == b.ToDouble() ? a.CompareTo(b) == 0 || Math.Abs(a.ToDouble() - b.ToDouble()) < 1e-12 : (a < b) == (a.ToDouble() < b.ToDouble());

    [Fact]
    public void TripletsSumExactlyOverThreeHundredBars()
    {
        // 300 bars of 4/4 filled with eighth-note triplets: 300 * 4 * 3 = 3600 notes of 1/3 quarter.
        var t = Duration.Zero;
        var triplet = Duration.Eighth.Triplet();
        for (int i = 0; i < 3600; i++) t += triplet;
        Assert.Equal(Duration.FromQuarters(1200), t);
        // The same in doubles drifts.
        double d = 0;
        for (int i = 0; i < 3600; i++) d += 1.0 / 3;
        Assert.NotEqual(1200.0, d);
    }

    [Fact]
    public void DottedAndTripletValuesAreExact()
    {
        Assert.Equal(Duration.FromQuarters(3, 2), Duration.Quarter.Dotted());
        Assert.Equal(Duration.FromQuarters(1, 3), Duration.Eighth.Triplet());
        Assert.Equal(Duration.Eighth, Duration.FromWholeNotes(1, 8));
        Assert.Equal(Duration.FromQuarters(3, 4), Duration.Eighth.Dotted());
        Assert.Equal(new Rational(1, 2), Duration.Half.WholeNotes);
    }

    [Fact]
    public void TicksConvertExactlyAndRefuseFractions()
    {
        Assert.Equal(Duration.FromQuarters(1, 2), Duration.FromTicks(512, 1024));
        Assert.Equal(160, Duration.Eighth.Triplet().ToTicks(480));
        Assert.False(Duration.Eighth.Triplet().IsWholeTicks(1024));
        Assert.Throws<InvalidOperationException>(() => Duration.Eighth.Triplet().ToTicks(1024));
    }

    [Theory]
    [InlineData("1/0")]
    [InlineData("abc")]
    [InlineData("1/-2")]
    [InlineData("")]
    public void InvalidFractionsThrowTyped(string text)
    {
        Assert.False(Duration.TryParse(text, out _));
        Assert.Throws<InvalidDurationException>(() => Duration.Parse(text));
    }

    [Fact]
    public void RationalNormalizesSignAndTerms()
    {
        var r = new Rational(6, -4);
        Assert.Equal(-3, r.Numerator);
        Assert.Equal(2, r.Denominator);
        Assert.Equal(-2, r.Floor());
        Assert.Equal("-3/2", r.ToString());
        Assert.Throws<DivideByZeroException>(() => new Rational(1, 0));
    }
}
