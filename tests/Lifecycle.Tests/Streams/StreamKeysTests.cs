using Lifecycle.Contract.Partitioning;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Streams;

public sealed class StreamKeysTests
{
    private static StreamKeys Keys(int partitions, string prefix = "") =>
        new(Options.Create(new StreamOptions { Partitions = partitions, KeyPrefix = prefix }));

    [Test]
    public void A_partitions_events_and_dead_letters_share_one_hash_tag()
    {
        var partition = Keys(16, "prod:").Partition(7);

        Assert.That(partition.Events, Is.EqualTo("prod:lifecycle:{p7}:events"));
        Assert.That(partition.DeadLetters, Is.EqualTo("prod:lifecycle:{p7}:dead"));
    }

    [Test]
    public void A_sandbox_always_goes_to_the_partition_its_stable_hash_names()
    {
        var keys = Keys(16);
        var id = Guid.Parse("0192f3a4-5b6c-7d8e-9fa0-b1c2d3e4f506");

        Assert.That(keys.For(id).Index, Is.EqualTo(StableHash.Of(id) % 16).And.EqualTo(0x96c683a6u % 16));
        Assert.That(Keys(1).For(id).Index, Is.Zero);
    }

    [TestCase(0, "")]
    [TestCase(StreamOptions.MaxPartitions + 1, "")]
    [TestCase(4, "env{1}:")]
    public void A_partition_count_out_of_range_or_a_prefix_with_a_brace_is_refused_at_start(int partitions, string prefix)
    {
        Assert.Throws<OptionsValidationException>(() => Keys(partitions, prefix));
    }

    [TestCase("p3/1733000000000-0", 16, 3, "1733000000000-0")]
    [TestCase("1733000000000-0", 1, 0, "1733000000000-0")]
    public void An_entry_reference_names_its_partition_and_id(string text, int partitions, int partition, string id)
    {
        Assert.That(EntryRef.TryParse(text, partitions, out var entry, out _), Is.True);
        Assert.That(entry, Is.EqualTo(new EntryRef(partition, id)));
        Assert.That(entry!.Value.Format(partitions), Is.EqualTo(text));
    }

    [TestCase("1733000000000-0", 16, "names no partition")]
    [TestCase("p16/1-0", 16, "p0 … p15")]
    [TestCase("q1/1-0", 16, "p0 … p15")]
    public void A_bad_entry_reference_says_how_to_write_one(string text, int partitions, string says)
    {
        Assert.That(EntryRef.TryParse(text, partitions, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(says));
    }
}
