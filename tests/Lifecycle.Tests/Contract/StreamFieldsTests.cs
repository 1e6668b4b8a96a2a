using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Tests.Contract;

public sealed class StreamFieldsTests
{
    private static readonly StateEvent Sample = new(
        Guid.CreateVersion7(), EventTypes.PauseSucceeded, Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(),
        SandboxStatus.Pausing, SandboxStatus.Paused, 7, Actors.Operation, "why", "what failed",
        new DateTimeOffset(2026, 11, 23, 12, 0, 0, 123, TimeSpan.Zero));

    [Test]
    public void An_event_survives_encoding_and_decoding()
    {
        var ok = StreamEvents.TryDecode(StreamEvents.Encode(Sample), out var decoded, out var error);
        Assert.That(ok, Is.True, error);
        Assert.That(decoded, Is.EqualTo(Sample));
    }

    [Test]
    public void Fields_are_the_flat_schema_with_empty_strings_for_absent_values()
    {
        var created = Sample with { Type = EventTypes.CreateRequested, From = null, To = SandboxStatus.Starting, HostId = null, Reason = null, Error = null };
        var fields = StreamEvents.Encode(created).ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        Assert.That(fields.Keys, Is.EqualTo(new[] { "event_id", "type", "sandbox_id", "team_id", "host_id", "from", "to", "version", "actor", "reason", "error", "at" }));
        Assert.Multiple(() =>
        {
            Assert.That(fields["from"], Is.Empty);
            Assert.That(fields["host_id"], Is.Empty);
            Assert.That(fields["version"], Is.EqualTo("7"));
            Assert.That(fields["at"], Is.EqualTo("2026-11-23T12:00:00.123Z"));
        });
        Assert.That(StreamEvents.TryDecode(StreamEvents.Encode(created), out var decoded, out _), Is.True);
        Assert.That(decoded, Is.EqualTo(created));
    }

    [TestCase("type", "sandbox.teleported", "unknown event type")]
    [TestCase("to", "running", "does not move")]
    [TestCase("from", "stopped", "does not move")]
    [TestCase("from", "sleeping", "unknown from status")]
    [TestCase("event_id", "not-a-uuid", "event_id")]
    [TestCase("version", "-1", "version")]
    [TestCase("at", "yesterday", "at is not")]
    [TestCase("actor", "", "actor")]
    public void A_bad_field_is_refused_with_a_reason(string field, string value, string reason)
    {
        var fields = StreamEvents.Encode(Sample).Select(f => f.Name == field ? new NameValueEntry(field, value) : f).ToArray();
        Assert.That(StreamEvents.TryDecode(fields, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void An_entry_without_fields_is_refused()
    {
        Assert.That(StreamEvents.TryDecode([], out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("entry has no fields"));
    }
}
