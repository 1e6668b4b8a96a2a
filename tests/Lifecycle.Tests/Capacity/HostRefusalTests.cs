using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Lifecycle.Tests.Capacity;

/// <summary>
/// A host that has no room though the control plane counted some (its memory lowered behind the control plane's back)
/// answers RESOURCE_EXHAUSTED: a create ends <c>stopped</c> with stop reason <c>no_capacity</c>, holding nothing; a
/// resume ends <c>paused</c> again, its snapshot kept. Nothing is retried on the full host.
/// </summary>
public sealed class HostRefusalTests
{
    [Test]
    public async Task A_create_its_host_has_no_room_for_ends_stopped_for_no_capacity_and_holds_nothing()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];
        host.MemoryMb = 1_024; // it reported 384 GiB

        var created = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", memory_mb = 2_048 });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the control plane counted room");
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var stopped = await harness.WaitForStatusAsync(id, "stopped");

        Assert.That(stopped.GetProperty("stop_reason").GetString(), Is.EqualTo("no_capacity"));
        Assert.That(stopped.GetProperty("last_error").GetString(), Does.StartWith("ResourceExhausted"));
        Assert.That(host.TryGet(id, out _), Is.False, "nothing runs there");
        Assert.That(await HistoryAsync(harness, id), Is.EqualTo(new[] { ("sandbox.create.requested", (string?)null), ("sandbox.create.refused", "no_capacity") }));
        Assert.That(await HeldMemoryAsync(harness), Is.Zero, "a stopped sandbox holds nothing");

        // What fits the host's own view is made.
        var small = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", memory_mb = 512 });
        await harness.WaitForStatusAsync((await small.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, "running");
    }

    [Test]
    public async Task A_resume_its_host_has_no_room_for_leaves_the_sandbox_paused_with_its_snapshot()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();
        Assert.That((await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await harness.WaitForStatusAsync(id, "paused");
        host.MemoryMb = 256;

        var resumed = await harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null);
        Assert.That(resumed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var paused = await Eventually.ValueAsync(() => harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}"),
            sandbox => sandbox.GetProperty("status").GetString() == "paused" && sandbox.GetProperty("version").GetInt64() > 5, TimeSpan.FromSeconds(10),
            "the resume failed back to paused");

        Assert.That(paused.GetProperty("stop_reason").GetString(), Is.EqualTo("resume_failed"));
        Assert.That(paused.GetProperty("last_error").GetString(), Does.StartWith("ResourceExhausted"));
        Assert.That(host.TryGet(id, out var vm) && vm.State == Lifecycle.HostAgentSim.Fleet.SimulatedSandboxState.Paused, Is.True, "its snapshot is kept");

        host.MemoryMb = 4_096;
        Assert.That((await harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await harness.WaitForStatusAsync(id, "running");
    }

    private static async Task<(string Type, string? Reason)[]> HistoryAsync(ControlPlaneHarness harness, string id)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<(string, string?)>("SELECT type, reason FROM sandbox_transitions WHERE sandbox_id = @Id::uuid ORDER BY version", new { Id = id })];
    }

    private static async Task<long> HeldMemoryAsync(ControlPlaneHarness harness)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>("SELECT COALESCE(sum(memory_mb), 0) FROM sandboxes WHERE status NOT IN ('paused', 'stopped')");
    }
}
