using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The simulator's admin endpoint (<c>--Simulator:AdminPort</c>, loopback HTTP, JSON): freeze and thaw a
/// host, restart it empty or with its sandboxes, set its RPC latency and failure rate, crash one sandbox.
/// </summary>
public sealed class SimulatorAdmin(HttpClient http) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <param name="RunningVcpus">What its running VMs take, as the host itself sees it (0 from an older simulator).</param>
    public sealed record AdminHost(
        string Name, int Port, Guid? HostId, bool Frozen, int LatencyMs, double FailureRate, int Sandboxes,
        long MemoryMb = 0, long RunningVcpus = 0, long RunningMemoryMb = 0);

    public static SimulatorAdmin For(int port) =>
        new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) });

    /// <summary>The hosts, or null when the simulator has no admin endpoint (an older build).</summary>
    public async Task<IReadOnlyList<AdminHost>?> HostsAsync()
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/admin/hosts", UriKind.Relative));
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<List<AdminHost>>(Json) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public Task FreezeAsync(string host) => PostAsync($"/admin/hosts/{host}/freeze", null);

    public Task ThawAsync(string host) => PostAsync($"/admin/hosts/{host}/thaw", null);

    /// <summary>Answers once the host is back. <paramref name="mode"/>: "empty" (its VMs gone) or "keep".</summary>
    public Task RestartAsync(string host, string mode, int downMs) =>
        PostAsync(string.Create(CultureInfo.InvariantCulture, $"/admin/hosts/{host}/restart?mode={mode}&down_ms={downMs}"), null);

    public Task FaultsAsync(string host, int latencyMs, double failureRate) =>
        PostAsync($"/admin/hosts/{host}/faults", new { latency_ms = latencyMs, failure_rate = failureRate });

    /// <summary>The sandbox's VM crashes; false when the host does not run it.</summary>
    public async Task<bool> ExitAsync(string host, Guid sandbox)
    {
        using var response = await http.PostAsync(new Uri($"/admin/hosts/{host}/sandboxes/{sandbox}/exit", UriKind.Relative), null);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        response.EnsureSuccessStatusCode();
        return true;
    }

    private async Task PostAsync(string path, object? body)
    {
        using var response = body is null
            ? await http.PostAsync(new Uri(path, UriKind.Relative), null)
            : await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, Json);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => http.Dispose();
}
