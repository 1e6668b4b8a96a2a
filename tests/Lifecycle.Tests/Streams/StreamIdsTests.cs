using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.Tests.Streams;

public sealed class StreamIdsTests
{
    [TestCase("1700000000000-5", "1700000000000-12", "1700000000000-5")]
    [TestCase("999-0", "1000-0", "999-0")]
    [TestCase("1000", "999-9", "999-9")]
    public void The_smaller_id_is_compared_as_numbers_not_text(string a, string b, string min)
    {
        Assert.That(StreamIds.Min(a, b), Is.EqualTo(min));
        Assert.That(StreamIds.Min(b, a), Is.EqualTo(min));
    }

    [Test]
    public void A_moment_becomes_the_first_id_at_that_millisecond()
    {
        Assert.That(StreamIds.AtTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123)), Is.EqualTo("1700000000123-0"));
    }
}
