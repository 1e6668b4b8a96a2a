using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>A sandbox's whole life over HTTP, through gRPC, the stream and the consumer group.</summary>
[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]
public sealed class LifecycleEndToEndTests(StreamSetup setup)
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await setup.StartHarnessAsync(hosts: 1, latencyMs: 5);

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Create_pause_resume_destroy_travel_the_whole_path()
    {
        var client = _harness.Client;

        var created = await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", vcpus = 2, memory_mb = 1024, metadata = new { owner = "e2e" } });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetString()!;
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("starting"));
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/v1/sandboxes/{id}"));
            Assert.That(body.GetProperty("metadata").GetProperty("owner").GetString(), Is.EqualTo("e2e"));
        });
        await _harness.WaitForStatusAsync(id, "running");
        Assert.That(_harness.Fleet.Hosts[0].TryGet(id, out _), Is.True, "the host runs the sandbox");

        await AcceptedWithStatusAsync(client.PostAsync($"/v1/sandboxes/{id}/pause", null), "pausing");
        await _harness.WaitForStatusAsync(id, "paused");
        await AcceptedWithStatusAsync(client.PostAsync($"/v1/sandboxes/{id}/resume", null), "resuming");
        await _harness.WaitForStatusAsync(id, "running");
        await AcceptedWithStatusAsync(client.DeleteAsync($"/v1/sandboxes/{id}"), "stopping");
        var final = await _harness.WaitForStatusAsync(id, "stopped");
        await _harness.WaitForConsumerIdleAsync();

        string[] expected =
        [
            EventTypes.CreateRequested, EventTypes.CreateSucceeded,
            EventTypes.PauseRequested, EventTypes.PauseSucceeded,
            EventTypes.ResumeRequested, EventTypes.ResumeSucceeded,
            EventTypes.DestroyRequested, EventTypes.DestroySucceeded,
        ];
        var partition = _harness.Keys.For(Guid.Parse(id));
        var entries = await _harness.Redis.StreamRangeAsync(partition.Events);
        var ours = entries.Where(e => e["sandbox_id"] == id).ToArray();
        Assert.That(ours.Select(e => e["type"].ToString()), Is.EqualTo(expected));
        Assert.That(ours.Select(e => e["version"].ToString()), Is.EqualTo(Enumerable.Range(0, 8).Select(v => v.ToString())));
        Assert.That(ours.Last().Values.Select(v => v.Name.ToString()), Is.EquivalentTo(new[]
        {
            "event_id", "type", "sandbox_id", "team_id", "host_id", "from", "to", "version", "actor", "reason", "error", "at",
        }));
        Assert.That(ours.Last()["from"].ToString(), Is.EqualTo("stopping"));
        Assert.That(ours.Last()["to"].ToString(), Is.EqualTo("stopped"));

        var history = await _harness.Services.GetRequiredService<TransitionHistoryStore>().ForSandboxAsync(Guid.Parse(id), CancellationToken.None);
        Assert.That(history.Select(h => h.Type), Is.EqualTo(expected));
        Assert.That(history.Select(h => h.EventId.ToString()), Is.EqualTo(ours.Select(e => e["event_id"].ToString())));
        Assert.That(history.All(TestData.IsTableRow), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(final.GetProperty("version").GetInt64(), Is.EqualTo(8), "one version per transition, the create leaving 1");
            Assert.That(final.GetProperty("started_at").ValueKind, Is.EqualTo(JsonValueKind.String));
            Assert.That(_harness.Fleet.Hosts[0].TryGet(id, out _), Is.False, "the host no longer runs it");
        });
        var group = (await _harness.Redis.StreamGroupInfoAsync(partition.Events)).Single(g => g.Name == StreamKeys.ApplierGroup);
        Assert.That(group.PendingMessageCount, Is.Zero);
    }

    [Test]
    public async Task Get_right_after_create_finds_the_sandbox()
    {
        var created = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var fetched = await _harness.Client.GetAsync($"/v1/sandboxes/{id}");
        Assert.That(fetched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private static async Task AcceptedWithStatusAsync(Task<HttpResponseMessage> request, string status)
    {
        var response = await request;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo(status));
    }
}
