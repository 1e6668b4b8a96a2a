using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Text;
using Lifecycle.ControlPlane.Teams;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Listing;

/// <summary>
/// <c>GET /v1/sandboxes</c> against 10,000 seeded sandboxes: every combination of filters lists exactly the rows a plain
/// SQL query finds, in the same order, whether paged by <c>next_cursor</c> or by the <c>Link</c> header; paging stays
/// stable while sandboxes are created; an operator lists a host's sandboxes with the same filters.
/// </summary>
public sealed class ListingFilterTests
{
    private const int TeamSandboxes = 8_000;
    private const int OtherSandboxes = 2_000;
    private static readonly DateTimeOffset From = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset After = new(2026, 11, 8, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Before = new(2026, 11, 24, 6, 30, 0, TimeSpan.Zero);

    private ControlPlaneHarness _harness = null!;
    private HttpClient _team = null!;
    private HttpClient _admin = null!;
    private Guid _teamId;
    private Guid[] _hosts = [];

    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        // 10,000 sandboxes of 512 MiB on two hosts, most of them holding their size: hosts big enough for them and the creates.
        _harness = await ControlPlaneHarness.StartAsync(hosts: 2, simulator: sim => sim with { HostVcpus = 4_096, HostMemoryMb = 8 * 1024 * 1024 });
        var teams = _harness.Services.GetRequiredService<TeamStore>();
        _teamId = await teams.EnsureTeamWithKeyAsync("filters", "filters-key", CancellationToken.None);
        var others = await teams.EnsureTeamWithKeyAsync("others", "others-key", CancellationToken.None);
        _hosts = [.. _harness.Fleet.Hosts.Select(host => host.HostId!.Value)];
        var random = new Random(24);
        await SeededSandboxes.InsertAsync(_harness.Database, _teamId, _hosts, TeamSandboxes, From, To, random);
        await SeededSandboxes.InsertAsync(_harness.Database, others, _hosts, OtherSandboxes, From, To, random);
        _team = _harness.ClientWithKey("filters-key");
        _admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _team.Dispose();
        _admin.Dispose();
        await _harness.DisposeAsync();
    }

    private static readonly string[][] StatusSets = [[], ["running"], ["running", "paused"], ["stopped", "error", "missing"]];
    private static readonly string?[] TemplateChoices = [null, "python"];
    private static readonly Dictionary<string, string>[] MetadataChoices = [[], new() { ["env"] = "prod" }, new() { ["env"] = "prod", ["tier"] = "gold" }];
    private static readonly (DateTimeOffset? After, DateTimeOffset? Before)[] Windows = [(null, null), (After, null), (null, Before), (After, Before)];

    [Test]
    public async Task Every_combination_of_filters_lists_what_a_plain_SQL_query_finds()
    {
        var combination = 0;
        var counts = new List<int>();
        foreach (var statuses in StatusSets)
        {
            foreach (var template in TemplateChoices)
            {
                foreach (var metadata in MetadataChoices)
                {
                    foreach (var (after, before) in Windows)
                    {
                        combination++;
                        var query = Query(statuses, template, metadata, after, before, bracketMetadata: combination % 2 == 0, limit: 500);
                        var listed = await PageAsync(_team, "/v1/sandboxes", query, followLink: combination % 3 == 0);
                        var expected = await SqlAsync(_teamId, null, statuses, template, metadata, after, before);

                        Assert.That(listed, Has.Count.EqualTo(expected.Count), $"count for ?{query}");
                        Assert.That(listed, Is.EqualTo(expected), $"rows and order for ?{query}");
                        counts.Add(expected.Count);
                    }
                }
            }
        }
        TestContext.Out.WriteLine($"{combination} combinations, {counts.Min()}–{counts.Max()} sandboxes each ({counts.Sum()} in all)");
        Assert.That(counts.Max(), Is.EqualTo(TeamSandboxes), "the unfiltered listing is every sandbox of the team, none of the other's");
        Assert.That(counts.Count(count => count > 0 && count < TeamSandboxes), Is.GreaterThan(80), "the filters really filter");
    }

    [Test]
    public async Task An_operator_lists_a_hosts_sandboxes_of_every_team_or_of_one_with_the_same_filters()
    {
        var host = _hosts[1];
        foreach (var (statuses, template, metadata, teamId) in new (string[], string?, Dictionary<string, string>, Guid?)[]
        {
            ([], null, [], null),
            (["running", "paused"], "node", new() { ["tier"] = "silver" }, null),
            (["starting"], null, [], _teamId),
        })
        {
            var query = Query(statuses, template, metadata, After, null, bracketMetadata: false, limit: 300)
                + (teamId is { } team ? $"&team_id={team}" : "");
            var listed = await PageAsync(_admin, $"/v1/hosts/{host}/sandboxes", query, followLink: true);
            var expected = await SqlAsync(teamId, host, statuses, template, metadata, After, null);
            Assert.That(listed, Is.EqualTo(expected), $"?{query}");
        }
        Assert.That((await _team.GetAsync($"/v1/hosts/{host}/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a team key lists only its own");
        Assert.That((await _admin.GetAsync($"/v1/hosts/{Guid.CreateVersion7()}/sandboxes")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Paging_neither_repeats_nor_skips_a_sandbox_while_new_ones_are_created()
    {
        var expected = await SqlAsync(_teamId, null, [], null, [], null, null);
        var listed = new List<Guid>();
        var created = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await _team.GetFromJsonAsync<JsonElement>($"/v1/sandboxes?limit=250{(cursor is null ? "" : $"&cursor={cursor}")}");
            listed.AddRange(page.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
            // Creates land between pages, as from other clients.
            for (var i = 0; i < 3; i++)
            {
                var answer = await _team.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
                created.Add((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
            }
        }
        while (cursor is not null);

        Assert.That(listed, Is.EqualTo(expected), "each sandbox that existed at the start, once, in order");
        Assert.That(listed.Intersect(created), Is.Empty, "new ones sort before the first page");
        Assert.That((await PageAsync(_team, "/v1/sandboxes", "limit=500", followLink: true)).Take(created.Count), Is.EqualTo(Enumerable.Reverse(created)));
    }

    [TestCase("state=running", "Unknown query parameter 'state'")]
    [TestCase("host_id=00000000-0000-0000-0000-000000000001", "admin key")]
    [TestCase("status=sleeping", "status must be one of")]
    [TestCase("created_after=yesterday", "created_after must be an RFC 3339 time")]
    [TestCase("created_before=2026-12-01T00:00:00", "created_before must be an RFC 3339 time")]
    [TestCase("limit=0", "limit must be a whole number")]
    [TestCase("metadata.env=prod&metadata.env=dev", "metadata.env must be given once")]
    public async Task A_filter_it_cannot_apply_is_a_400_naming_it(string query, string detail)
    {
        var answer = await _team.GetAsync($"/v1/sandboxes?{query}");

        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain(detail));
    }

    private static string Query(
        string[] statuses, string? template, Dictionary<string, string> metadata, DateTimeOffset? after, DateTimeOffset? before, bool bracketMetadata, int limit)
    {
        var parts = statuses.Select(status => $"status={status}").ToList();
        if (template is not null)
        {
            parts.Add($"template={template}");
        }
        parts.AddRange(metadata.Select(pair => bracketMetadata
            ? $"{Uri.EscapeDataString($"metadata[{pair.Key}]")}={Uri.EscapeDataString(pair.Value)}"
            : $"metadata.{pair.Key}={Uri.EscapeDataString(pair.Value)}"));
        if (after is { } a)
        {
            parts.Add($"created_after={Uri.EscapeDataString(Timestamps.Write(a))}");
        }
        if (before is { } b)
        {
            // Another offset, the same instant.
            parts.Add($"created_before={Uri.EscapeDataString(b.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss.ffzzz"))}");
        }
        parts.Add($"limit={limit}");
        return string.Join('&', parts);
    }

    /// <summary>Every page, by <c>next_cursor</c> or by following the <c>Link</c> header (which must agree).</summary>
    private static async Task<List<Guid>> PageAsync(HttpClient client, string path, string query, bool followLink)
    {
        var ids = new List<Guid>();
        var next = $"{path}?{query}";
        while (next is not null)
        {
            using var answer = await client.GetAsync(next);
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), next);
            var page = await answer.Content.ReadFromJsonAsync<JsonElement>();
            ids.AddRange(page.GetProperty("sandboxes").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));
            var cursor = page.GetProperty("next_cursor").GetString();
            var link = answer.Headers.TryGetValues("Link", out var links) ? links.Single() : null;
            Assert.That(link is null, Is.EqualTo(cursor is null), "a Link exactly when there is a next page");
            if (cursor is null)
            {
                break;
            }
            Assert.That(link, Does.EndWith("; rel=\"next\"").And.Contain($"cursor={cursor}"));
            next = followLink ? link![1..link.IndexOf('>')] : $"{path}?{query}&cursor={cursor}";
        }
        return ids;
    }

    private async Task<List<Guid>> SqlAsync(
        Guid? teamId, Guid? hostId, string[] statuses, string? template, Dictionary<string, string> metadata, DateTimeOffset? after, DateTimeOffset? before)
    {
        var where = new List<string>();
        var parameters = new DynamicParameters();
        if (teamId is { } team)
        {
            where.Add("team_id = @Team");
            parameters.Add("Team", team);
        }
        if (hostId is { } host)
        {
            where.Add("host_id = @Host");
            parameters.Add("Host", host);
        }
        if (statuses.Length > 0)
        {
            where.Add("status = ANY(@Statuses)");
            parameters.Add("Statuses", statuses);
        }
        if (template is not null)
        {
            where.Add("template = @Template");
            parameters.Add("Template", template);
        }
        var i = 0;
        foreach (var (key, value) in metadata)
        {
            where.Add($"metadata ->> @K{i} = @V{i}");
            parameters.Add($"K{i}", key);
            parameters.Add($"V{i}", value);
            i++;
        }
        if (after is { } a)
        {
            where.Add("date_trunc('milliseconds', created_at) > @After");
            parameters.Add("After", a.UtcDateTime);
        }
        if (before is { } b)
        {
            where.Add("date_trunc('milliseconds', created_at) < @Before");
            parameters.Add("Before", b.UtcDateTime);
        }
        var sql = $"SELECT id FROM sandboxes {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY id DESC";
        await using var conn = _harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<Guid>(sql, parameters)];
    }
}
