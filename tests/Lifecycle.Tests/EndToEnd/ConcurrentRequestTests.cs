using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>Racing requests at one sandbox: one compare-and-set wins each version, every change is legal, nothing 5xx.</summary>
public sealed class ConcurrentRequestTests
{
    private const int Rounds = 100;
    private const int Parallel = 10;

    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync(hosts: 2);

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Concurrent_pause_and_destroy_leave_only_legal_transitions()
    {
        var ids = await RaceAsync("running", "pause", sandboxId => $"/v1/sandboxes/{sandboxId}/pause");
        await AssertOneWinnerPerVersionAndLegalAsync(ids);
    }

    [Test]
    public async Task Concurrent_resume_and_destroy_leave_only_legal_transitions()
    {
        var ids = await RaceAsync("paused", "resume", sandboxId => $"/v1/sandboxes/{sandboxId}/resume");
        await AssertOneWinnerPerVersionAndLegalAsync(ids);
    }

    /// <summary>For each round: a sandbox in <paramref name="startStatus"/>, then the operation and a destroy at once.</summary>
    private async Task<List<Guid>> RaceAsync(string startStatus, string operation, Func<string, string> operationPath)
    {
        var ids = new List<Guid>();
        for (var batch = 0; batch < Rounds / Parallel; batch++)
        {
            ids.AddRange(await Task.WhenAll(Enumerable.Range(0, Parallel).Select(async _ =>
            {
                var id = await PrepareAsync(startStatus);
                var operationTask = _harness.Client.PostAsync(operationPath(id), null);
                var destroyTask = _harness.Client.DeleteAsync($"/v1/sandboxes/{id}");
                var responses = await Task.WhenAll(operationTask, destroyTask);
                foreach (var response in responses)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.That((int)response.StatusCode, Is.LessThan(500), body);
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted).Or.EqualTo(HttpStatusCode.Conflict), body);
                }
                // Destroy is possible from every state the operation can leave, so it always wins its own CAS.
                Assert.That(responses[1].StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
                if (responses[0].StatusCode == HttpStatusCode.Conflict)
                {
                    var problem = await responses[0].Content.ReadFromJsonAsync<JsonElement>();
                    Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("stopping").Or.EqualTo("stopped"),
                        $"{operation} lost to the destroy");
                }
                await _harness.WaitForStatusAsync(id, "stopped");
                return Guid.Parse(id);
            })));
        }
        return ids;
    }

    private async Task<string> PrepareAsync(string status)
    {
        var created = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await _harness.WaitForStatusAsync(id, "running");
        if (status == "paused")
        {
            await _harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null);
            await _harness.WaitForStatusAsync(id, "paused");
        }
        return id;
    }

    private async Task AssertOneWinnerPerVersionAndLegalAsync(List<Guid> ids)
    {
        await _harness.WaitForConsumerIdleAsync();
        await using var conn = _harness.Database.DataSource.CreateConnection();
        var history = (await conn.QueryAsync<(Guid SandboxId, string Type, string? FromStatus, string ToStatus, long Version)>(
            "SELECT sandbox_id, type, from_status, to_status, version FROM sandbox_transitions WHERE sandbox_id = ANY(@ids) ORDER BY sandbox_id, version",
            new { ids = ids.ToArray() })).ToList();

        Assert.That(history.GroupBy(h => (h.SandboxId, h.Version)).Where(g => g.Count() > 1), Is.Empty, "two transitions won the same version");
        var illegal = history.Where(h => !TestData.IsTableRow(h.Type, h.FromStatus, h.ToStatus));
        Assert.That(illegal, Is.Empty);
        foreach (var sandbox in history.GroupBy(h => h.SandboxId))
        {
            var chain = sandbox.OrderBy(h => h.Version).ToList();
            // Each transition starts where the previous one left the row: an unbroken chain of versions.
            Assert.That(chain.Select(h => h.Version), Is.EqualTo(Enumerable.Range(0, chain.Count).Select(v => (long)v)));
            Assert.That(chain.Skip(1).Select(h => h.FromStatus), Is.EqualTo(chain.SkipLast(1).Select(h => h.ToStatus)));
            Assert.That(chain[^1].ToStatus, Is.EqualTo("stopped"));
        }
        Assert.That(history.Select(h => h.SandboxId).Distinct().Count(), Is.EqualTo(ids.Count));
    }
}
