using System.Net;
using System.Text.Json;

namespace Lifecycle.Tests.Hosts;

/// <summary>A registered host has never heartbeated: it is given no sandbox until its first heartbeat makes it online.</summary>
public sealed class RegisteredHostTests
{
    [Test]
    public async Task A_registered_host_receives_no_sandbox_until_its_first_heartbeat_and_then_it_does()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        using var admin = new HostAdmin(harness);
        var online = harness.Fleet.Hosts[0].HostId!.Value;
        // Registered by hand, it heartbeats only when the test says; what matters here is where sandboxes are placed.
        var (quiet, token) = await admin.RegisterAsync("late-0", "https://127.0.0.1:1");
        var registered = await admin.GetAsync(quiet);
        Assert.That(registered.GetProperty("status").GetString(), Is.EqualTo("registered"));
        Assert.That(registered.GetProperty("last_heartbeat_at").ValueKind, Is.EqualTo(JsonValueKind.Null));

        var beside = new List<Guid?>();
        for (var i = 0; i < 20; i++)
        {
            beside.Add((await admin.CreateAsync()).HostId);
        }
        Assert.That(beside, Is.All.EqualTo(online), "with an online host beside it, every sandbox goes there");

        (await admin.TransitionAsync(online, "cordon")).EnsureSuccessStatusCode();
        var alone = await admin.CreateAsync();
        Assert.That(alone.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "alone, it takes nothing: no capacity, as with no host");

        await admin.HeartbeatAsync(quiet, token);
        Assert.That(await admin.StatusAsync(quiet), Is.EqualTo("online"));
        var after = await admin.CreateAsync();
        Assert.That((after.Status, after.HostId), Is.EqualTo((HttpStatusCode.Accepted, (Guid?)quiet)), "its first heartbeat makes it take sandboxes at once");
        var history = await admin.HistoryAsync(quiet);
        Assert.That(history, Is.EqualTo(new[]
        {
            ("host.registered", (string?)null, "registered", "admin", (string?)null),
            ("host.first_heartbeat", "registered", "online", $"host:{quiet}", null),
        }));
    }
}
