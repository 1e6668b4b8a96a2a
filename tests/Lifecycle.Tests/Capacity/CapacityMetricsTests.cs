using System.Net;
using System.Net.Http.Json;

namespace Lifecycle.Tests.Capacity;

/// <summary>
/// <c>lifecycle_host_capacity</c> and <c>lifecycle_host_allocated</c> per host and resource, and
/// <c>lifecycle_fleet_free_capacity</c> per resource, as the scrape reads them from Postgres.
/// </summary>
public sealed class CapacityMetricsTests
{
    [Test]
    public async Task The_scrape_shows_each_hosts_capacity_and_allocation_and_what_the_fleet_can_still_lend()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2, simulator: sim => sim with { HostVcpus = 16, HostMemoryMb = 32_768 });
        using var anonymous = harness.ClientWithKey(null);
        for (var i = 0; i < 3; i++)
        {
            var created = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", vcpus = 2, memory_mb = 4_096 });
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        // The gauges are read at most once a second.
        var metrics = await Eventually.ValueAsync(() => anonymous.GetStringAsync("/metrics"),
            body => PrometheusText.Samples(body, "lifecycle_host_allocated", ("resource", "memory_mb")).Sum() == 12_288, TimeSpan.FromSeconds(10),
            "the scrape shows the three sandboxes allocated");

        foreach (var host in new[] { "sim-0", "sim-1" })
        {
            Assert.That(PrometheusText.Single(metrics, "lifecycle_host_capacity", ("host", host), ("resource", "vcpus")), Is.EqualTo(16));
            Assert.That(PrometheusText.Single(metrics, "lifecycle_host_capacity", ("host", host), ("resource", "memory_mb")), Is.EqualTo(32_768));
        }
        Assert.That(PrometheusText.Samples(metrics, "lifecycle_host_allocated", ("resource", "vcpus")).Sum(), Is.EqualTo(6));
        Assert.That(PrometheusText.Single(metrics, "lifecycle_fleet_free_capacity", ("resource", "vcpus")), Is.EqualTo(2 * 16 * 4 - 6),
            "vCPUs lent four times over");
        Assert.That(PrometheusText.Single(metrics, "lifecycle_fleet_free_capacity", ("resource", "memory_mb")), Is.EqualTo(2 * 32_768 - 12_288));
    }
}
