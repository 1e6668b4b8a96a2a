using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.Tests.Drains;

/// <summary>
/// A control plane with the HostMonitor on (the replica that holds a host's shard drives its drain) and two
/// simulated hosts: the target, with <c>N</c> sandboxes of which every other one is paused, and a bystander
/// with a mix of its own that no drain of the target may touch.
/// </summary>
public sealed class DrainScenario : IAsyncDisposable
{
    private DrainScenario(ControlPlaneHarness harness, SimulatedHost target, SimulatedHost bystander, IReadOnlyList<string> onTarget, IReadOnlyList<string> onBystander)
    {
        Harness = harness;
        Admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        Target = target;
        Bystander = bystander;
        OnTarget = onTarget;
        OnBystander = onBystander;
    }

    public ControlPlaneHarness Harness { get; }

    public HttpClient Admin { get; }

    public SimulatedHost Target { get; }

    public SimulatedHost Bystander { get; }

    public Guid TargetId => Target.HostId!.Value;

    /// <summary>The target's sandboxes; the even-numbered ones are paused, the others running.</summary>
    public IReadOnlyList<string> OnTarget { get; }

    public IReadOnlyList<string> OnBystander { get; }

    /// <summary>Drains are checked every 200 ms, with at most <paramref name="maxInFlight"/> operations in flight per host.</summary>
    public static async Task<DrainScenario> StartAsync(int sandboxes = 50, int maxInFlight = 16, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Lifecycle:HostMonitor:Enabled"] = "true",
            ["Lifecycle:Drain:Interval"] = "00:00:00.200",
            ["Lifecycle:Drain:MaxInFlightPerHost"] = maxInFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var harness = await ControlPlaneHarness.StartAsync(hosts: 2, settings: all);
        try
        {
            var (target, bystander) = (harness.Fleet.Hosts[0], harness.Fleet.Hosts[1]);
            using (var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey))
            {
                foreach (var host in harness.Fleet.Hosts)
                {
                    await Eventually.TrueAsync(async () => (await HostAsync(admin, host.HostId!.Value)).GetProperty("status").GetString() == "online",
                        TimeSpan.FromSeconds(30), $"host {host.Name} is online");
                }
            }
            var (onTarget, onBystander) = await PopulateAsync(harness, target.HostId!.Value, sandboxes);
            return new DrainScenario(harness, target, bystander, onTarget, onBystander);
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates sandboxes until the target has <paramref name="count"/> (placement alternates, so the bystander gets about as many), then pauses about half of each host's.</summary>
    private static async Task<(List<string> OnTarget, List<string> OnBystander)> PopulateAsync(ControlPlaneHarness harness, Guid targetId, int count)
    {
        var (onTarget, onBystander) = (new List<string>(), new List<string>());
        for (var attempt = 0; onTarget.Count < count; attempt++)
        {
            Assert.That(attempt, Is.LessThan(count * 4), "placement never chose the target host");
            var response = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", timeout_sec = 3600 });
            response.EnsureSuccessStatusCode();
            var sandbox = await response.Content.ReadFromJsonAsync<JsonElement>();
            (sandbox.GetProperty("host_id").GetGuid() == targetId ? onTarget : onBystander).Add(sandbox.GetProperty("id").GetString()!);
        }
        foreach (var id in onTarget.Concat(onBystander))
        {
            await harness.WaitForStatusAsync(id, "running", TimeSpan.FromSeconds(30));
        }
        var paused = onTarget.Where((_, i) => i % 2 == 0).Concat(onBystander.Where((_, i) => i % 3 == 0)).ToList();
        foreach (var id in paused)
        {
            (await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).EnsureSuccessStatusCode();
        }
        foreach (var id in paused)
        {
            await harness.WaitForStatusAsync(id, "paused", TimeSpan.FromSeconds(30));
        }
        return (onTarget, onBystander);
    }

    public Task<HttpResponseMessage> DrainAsync(string mode, int deadlineSec, HttpClient? via = null) =>
        (via ?? Admin).PostAsJsonAsync($"/v1/hosts/{TargetId}/drain", new { mode, deadline_sec = deadlineSec, reason = "retiring the rack" });

    public Task<JsonElement> TargetAsync(HttpClient? via = null) => HostAsync(via ?? Admin, TargetId);

    public static Task<JsonElement> HostAsync(HttpClient admin, Guid id) => admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{id}");

    /// <summary>Polls the target until it is drained; returns its JSON then.</summary>
    public Task<JsonElement> WaitUntilDrainedAsync(TimeSpan timeout, HttpClient? via = null) =>
        Eventually.ValueAsync(() => TargetAsync(via), h => h.GetProperty("status").GetString() == "drained", timeout, "the target host is drained");

    /// <summary>Each sandbox's status and version, as the API shows them.</summary>
    public async Task<Dictionary<string, (string Status, long Version)>> StatesAsync(IEnumerable<string> ids, HttpClient? via = null)
    {
        var states = new Dictionary<string, (string, long)>();
        foreach (var id in ids)
        {
            var sandbox = await (via ?? Harness.Client).GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}");
            states[id] = (sandbox.GetProperty("status").GetString()!, sandbox.GetProperty("version").GetInt64());
        }
        return states;
    }

    /// <summary>A sandbox's history, oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> EventsAsync(string id, HttpClient? via = null)
    {
        var page = await (via ?? Harness.Client).GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}/events?limit=1000");
        return [.. page.GetProperty("events").EnumerateArray()];
    }

    /// <summary>True when the sandbox's history shows the drain asking for <paramref name="operation"/> (actor drain, reason drained).</summary>
    public static bool DrainAsked(IReadOnlyList<JsonElement> events, string operation) =>
        events.Any(e => e.GetProperty("type").GetString() == $"sandbox.{operation}.requested"
            && e.GetProperty("actor").GetString() == "drain" && e.GetProperty("reason").GetString() == "drained");

    /// <summary>The target's host history: (type, from, to, actor).</summary>
    public async Task<IReadOnlyList<(string Type, string? From, string To, string Actor)>> HostHistoryAsync()
    {
        await using var conn = Harness.Database.DataSource.CreateConnection();
        return (await conn.QueryAsync<(string, string?, string, string)>(
            "SELECT type, from_status, to_status, actor FROM host_transitions WHERE host_id = @Id ORDER BY id", new { Id = TargetId })).AsList();
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Harness.DisposeAsync();
    }
}
