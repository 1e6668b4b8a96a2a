using Lifecycle.Contract.Partitioning;

namespace Lifecycle.Tests.Contract;

public sealed class StableHashTests
{
    // FNV-1a 32 of the lowercase canonical text, computed by a separate implementation that gives the
    // published vectors ("a" -> 0xe40c292c, "foobar" -> 0xbf9cf968).
    [TestCase("00000000-0000-0000-0000-000000000000", 0xbe478ed1u)]
    [TestCase("0192f3a4-5b6c-7d8e-9fa0-b1c2d3e4f506", 0x96c683a6u)]
    [TestCase("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", 0x2708ab91u)]
    public void An_id_hashes_as_fnv1a_32_of_its_lowercase_canonical_text(string id, uint expected)
    {
        Assert.That(StableHash.Of(Guid.Parse(id)), Is.EqualTo(expected));
    }

    [Test]
    public void Ids_spread_evenly_over_six_slices()
    {
        const int ids = 60_000;
        var counts = new int[6];
        for (var i = 0; i < ids; i++)
        {
            counts[StableHash.Of(Guid.CreateVersion7()) % 6]++;
        }

        Assert.That(counts, Has.All.InRange(ids / 6 * 0.95, ids / 6 * 1.05));
    }
}
