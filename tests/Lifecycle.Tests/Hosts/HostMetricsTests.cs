using Lifecycle.Contract.Hosts;

namespace Lifecycle.Tests.Hosts;

/// <summary><c>lifecycle_hosts{status}</c> has a series for every host status, zeros included, so a dashboard or alert never sees one go absent.</summary>
public sealed class HostMetricsTests
{
    [Test]
    public async Task Lifecycle_hosts_reports_every_status_zeros_included()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var admin = new HostAdmin(harness);
        using var anonymous = harness.ClientWithKey(null);
        await admin.RegisterAsync("metrics-registered", "https://10.0.0.20:9101");
        (await admin.TransitionAsync(harness.Fleet.Hosts[0].HostId!, "cordon")).EnsureSuccessStatusCode();

        // The gauges are read at most once a second.
        var metrics = await Eventually.ValueAsync(() => anonymous.GetStringAsync("/metrics"),
            body => PrometheusText.Samples(body, "lifecycle_hosts", ("status", "cordoned")).SequenceEqual([1.0]), TimeSpan.FromSeconds(10),
            "the scrape shows the cordoned host");

        var byStatus = HostStatuses.All.ToDictionary(s => s.ToWire(), s => PrometheusText.Single(metrics, "lifecycle_hosts", ("status", s.ToWire())));
        Assert.That(byStatus, Is.EqualTo(new Dictionary<string, double>
        {
            ["registered"] = 1,
            ["online"] = 0,
            ["unreachable"] = 0,
            ["cordoned"] = 1,
            ["draining"] = 0,
            ["drained"] = 0,
            ["decommissioned"] = 0,
        }));
    }
}
