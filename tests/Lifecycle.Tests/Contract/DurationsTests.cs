using Lifecycle.Contract.Text;

namespace Lifecycle.Tests.Contract;

public sealed class DurationsTests
{
    [TestCase("90s", 90_000)]
    [TestCase("5m", 300_000)]
    [TestCase("1h30m", 5_400_000)]
    [TestCase("2d", 172_800_000)]
    [TestCase("250ms", 250)]
    [TestCase("1.5s", 1_500)]
    [TestCase("00:05:00", 300_000)]
    public void Durations_are_read_as_people_type_them(string text, long milliseconds)
    {
        Assert.That(Durations.TryParse(text, out var duration), Is.True);
        Assert.That(duration, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [TestCase("")]
    [TestCase("5")]
    [TestCase("m5")]
    [TestCase("-5m")]
    [TestCase("5 minutes")]
    [TestCase("99999999999d")]
    [TestCase("9223372036854775807d1d")]
    public void Anything_else_is_refused(string text) => Assert.That(Durations.TryParse(text, out _), Is.False);

    [TestCase(0, "0s")]
    [TestCase(850, "850ms")]
    [TestCase(12_400, "12s")]
    [TestCase(192_000, "3m12s")]
    [TestCase(7_500_000, "2h05m")]
    [TestCase(356_400_000, "4d03h")]
    public void Durations_print_in_their_two_largest_units(long milliseconds, string text) =>
        Assert.That(Durations.Format(milliseconds), Is.EqualTo(text));
}
