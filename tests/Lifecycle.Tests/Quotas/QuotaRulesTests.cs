using Lifecycle.Contract.Quotas;

namespace Lifecycle.Tests.Quotas;

/// <summary>When a request is refused, and which quota its answer names.</summary>
public sealed class QuotaRulesTests
{
    private static readonly QuotaLimits Limits = new(MaxActiveSandboxes: 10, MaxVcpus: 16, MaxMemoryMb: 8192, MaxPausedSandboxes: 2);

    [Test]
    public void A_request_that_fits_every_limit_is_not_refused()
    {
        Assert.That(QuotaRules.Breach(Limits, new QuotaUsage(9, 14, 4096, 1), QuotaDemand.Active(2, 4096)), Is.Null);
    }

    [Test]
    public void The_first_quota_a_request_would_pass_is_named_with_its_limit_and_what_is_in_use()
    {
        Assert.That(QuotaRules.Breach(Limits, new QuotaUsage(10, 10, 1024, 0), QuotaDemand.Active(1, 512)),
            Is.EqualTo(new QuotaBreach(QuotaName.MaxActiveSandboxes, 10, 10)));
        Assert.That(QuotaRules.Breach(Limits, new QuotaUsage(3, 15, 1024, 0), QuotaDemand.Active(2, 512)),
            Is.EqualTo(new QuotaBreach(QuotaName.MaxVcpus, 16, 15)));
        Assert.That(QuotaRules.Breach(Limits, new QuotaUsage(3, 3, 8000, 0), QuotaDemand.Active(1, 512)),
            Is.EqualTo(new QuotaBreach(QuotaName.MaxMemoryMb, 8192, 8000)));
        Assert.That(QuotaRules.Breach(Limits, new QuotaUsage(3, 3, 1024, 2), QuotaDemand.Paused),
            Is.EqualTo(new QuotaBreach(QuotaName.MaxPausedSandboxes, 2, 2)));
    }

    [Test]
    public void A_limit_a_request_does_not_touch_never_refuses_it()
    {
        // Over the paused limit already (pauses the team did not ask for): a create is still fine.
        Assert.That(QuotaRules.Breach(Limits, new QuotaUsage(0, 0, 0, 50), QuotaDemand.Active(1, 512)), Is.Null);
        Assert.That(QuotaRules.Breach(QuotaLimits.None, new QuotaUsage(1_000, 1_000, 1_000_000, 1_000), QuotaDemand.Active(64, 262_144)), Is.Null);
    }

    [Test]
    public void A_limit_of_zero_refuses_every_request_it_touches()
    {
        var none = QuotaLimits.None with { MaxActiveSandboxes = 0 };

        Assert.That(QuotaRules.Breach(none, new QuotaUsage(0, 0, 0, 0), QuotaDemand.Active(1, 128)), Is.EqualTo(new QuotaBreach(QuotaName.MaxActiveSandboxes, 0, 0)));
    }
}
