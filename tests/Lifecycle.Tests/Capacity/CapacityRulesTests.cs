using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Capacity;

/// <summary>What a sandbox holds on its host, when another fits, and when a request can never fit.</summary>
public sealed class CapacityRulesTests
{
    private static readonly Resources Host = new(Vcpus: 16, MemoryMb: 32_768);

    [Test]
    public void Memory_is_never_lent_twice_and_vcpus_four_times_by_default()
    {
        Assert.That(CapacityRules.Limit(Host, OvercommitRatios.Default), Is.EqualTo(new Resources(64, 32_768)));
        Assert.That(CapacityRules.Limit(Host, new OvercommitRatios(Vcpus: 1.5, MemoryMb: 1.1)), Is.EqualTo(new Resources(24, 36_044)));
    }

    [Test]
    public void A_sandbox_fits_up_to_the_limit_and_the_first_resource_past_it_is_named()
    {
        var size = new Resources(4, 4_096);
        Assert.That(CapacityRules.Shortfall(Host, new Resources(28, 28_672), size, OvercommitRatios.Default), Is.Null, "the eighth 4 GiB sandbox fits exactly");
        Assert.That(CapacityRules.Shortfall(Host, new Resources(32, 32_768), size, OvercommitRatios.Default), Is.EqualTo(CapacityResource.MemoryMb));
        Assert.That(CapacityRules.Shortfall(Host, new Resources(62, 0), size, OvercommitRatios.Default), Is.EqualTo(CapacityResource.Vcpus));
        Assert.That(CapacityRules.Shortfall(Host, new Resources(64, 32_768), size, OvercommitRatios.Default), Is.EqualTo(CapacityResource.Vcpus), "vCPUs are checked first");
    }

    [Test]
    public void A_host_reporting_less_than_it_has_lent_takes_nothing_more_and_gives_nothing_back()
    {
        var shrunk = new Resources(4, 8_192);
        Assert.That(CapacityRules.Shortfall(shrunk, new Resources(8, 16_384), new Resources(1, 1), OvercommitRatios.Default), Is.EqualTo(CapacityResource.MemoryMb));
    }

    [Test]
    public void A_request_larger_than_every_host_before_any_ratio_is_too_big_and_names_the_largest()
    {
        Resources[] fleet = [new(16, 32_768), new(8, 65_536)];
        Assert.That(CapacityRules.TooBig(fleet, new Resources(16, 32_768)), Is.Null);
        Assert.That(CapacityRules.TooBig(fleet, new Resources(32, 1_024)), Is.EqualTo((CapacityResource.Vcpus, 16L)), "ratios lend time, not a bigger VM");
        Assert.That(CapacityRules.TooBig(fleet, new Resources(1, 131_072)), Is.EqualTo((CapacityResource.MemoryMb, 65_536L)));
        Assert.That(CapacityRules.TooBig(fleet, new Resources(12, 65_536)), Is.EqualTo((CapacityResource.Vcpus, 8L)),
            "no one host has both: the vCPUs of the only host with that memory");
        Assert.That(CapacityRules.TooBig([], new Resources(1, 1)), Is.Null, "no host at all is an outage (503), not a size");
    }

    [Test]
    public void Every_status_that_may_still_have_a_VM_holds_capacity_and_paused_or_stopped_do_not()
    {
        Assert.That(CapacityRules.Holding, Is.EquivalentTo(Enum.GetValues<SandboxStatus>().Except([SandboxStatus.Paused, SandboxStatus.Stopped])));
        Assert.That(QuotaRules.Active, Is.SubsetOf(CapacityRules.Holding), "a team's active sandboxes all hold capacity");
    }

    [Test]
    public void Each_resource_has_one_wire_name()
    {
        Assert.That(Enum.GetValues<CapacityResource>().Select(r => r.ToWire()), Is.EqualTo(new[] { "vcpus", "memory_mb" }));
    }
}
