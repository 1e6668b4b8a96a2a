using System.Text;

namespace Lifecycle.Tests.Fuzz;

/// <summary>
/// Generates hostile requests: random and mutated JSON, wrong types, huge and negative numbers,
/// unicode and control characters, wrong ids and every kind of wrong or missing credential.
/// Seeded, so a failure can be replayed.
/// </summary>
public sealed class RequestGenerator(Random random, RequestGenerator.Credentials credentials, RequestGenerator.Ids ids)
{
    public sealed record Credentials(string TeamKey, string OtherTeamKey, string AdminKey, string HostToken);

    /// <summary>Real ids to aim at now and then: a sandbox of the team, one of another team, the host.</summary>
    public sealed record Ids(string Sandbox, string OtherTeamsSandbox, string Host, string Team);

    public sealed record FuzzRequest(HttpMethod Method, string Path, string? Authorization, string? ContentType, byte[]? Body)
    {
        public override string ToString() =>
            $"{Method} {Path} auth={Authorization?[..Math.Min(20, Authorization.Length)]} type={ContentType} body={(Body is null ? "-" : Encoding.UTF8.GetString(Body[..Math.Min(200, Body.Length)]))}";
    }

    private static readonly string[] Fields =
    [
        "template", "vcpus", "memory_mb", "timeout_sec", "metadata", "name", "grpc_address", "event_id", "sandbox_id",
        "type", "reason", "at", "sequence", "status", "id", "token", "extra", "", "TEMPLATE", "memoryMb", "csr", "proof",
    ];

    private static readonly string[] Strings =
    [
        "", " ", "base", "running", "auto_paused", "exited", "http://127.0.0.1:1", "https://127.0.0.1:1", "http://[::1]:99999", "ftp://x",
        "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----", "c2lnbmF0dXJl",
        "00000000-0000-0000-0000-000000000000", "not-a-uuid", "null", "true", "1e309", "-1", "0x10", "\u0000", "\u001b[31m",
        "日本語", "🙂🙃", "\ud800", "a\nb", "<script>", "' OR 1=1 --", "%00", "../../etc/passwd", "2026-13-45T99:99:99Z",
    ];

    private static readonly string[] Numbers =
    [
        "0", "1", "-1", "64", "65", "127", "128", "262144", "262145", "86400", "86401", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e308", "1e309", "-1e309", "0.5", "-0.0", "1E2",
    ];

    public FuzzRequest Next()
    {
        var (method, path) = Endpoint();
        var body = method == HttpMethod.Get || random.Next(10) == 0 ? null : Body();
        var contentType = body is null ? null : Pick(["application/json", "application/json", "application/json", "text/plain", "application/xml", "application/json; charset=utf-16", "", "application/problem+json"]);
        // Half the time the credential the endpoint takes, so most requests reach the parsing and the checks behind it.
        var authorization = random.Next(2) == 0 ? "Bearer " + RightCredential(path) : Authorization();
        return new FuzzRequest(method, path, authorization, contentType, body);
    }

    private (HttpMethod, string) Endpoint()
    {
        var sandbox = Id(ids.Sandbox, ids.OtherTeamsSandbox);
        var host = Id(ids.Host);
        var team = Id(ids.Team);
        return random.Next(19) switch
        {
            0 => (HttpMethod.Post, "/v1/sandboxes"),
            1 => (HttpMethod.Get, "/v1/sandboxes" + Query()),
            2 => (HttpMethod.Get, $"/v1/sandboxes/{sandbox}"),
            3 => (HttpMethod.Post, $"/v1/sandboxes/{sandbox}/pause"),
            4 => (HttpMethod.Post, $"/v1/sandboxes/{sandbox}/resume"),
            5 => (HttpMethod.Delete, $"/v1/sandboxes/{sandbox}"),
            6 => (HttpMethod.Post, "/v1/hosts"),
            7 => (HttpMethod.Get, "/v1/hosts"),
            8 => (HttpMethod.Get, $"/v1/hosts/{host}"),
            // Only made-up ids: decommissioning the one real host would end the run's ability to create.
            9 => (HttpMethod.Post, $"/v1/hosts/{Id()}/decommission"),
            10 => (HttpMethod.Post, $"/v1/hosts/{host}/heartbeat"),
            11 => (HttpMethod.Post, "/v1/hosts/sandbox-events"),
            12 => (HttpMethod.Post, "/v1/teams"),
            13 => (HttpMethod.Get, "/v1/teams"),
            14 => (HttpMethod.Post, $"/v1/teams/{team}/keys"),
            15 => (HttpMethod.Delete, $"/v1/teams/{team}/keys/{Id()}"),
            16 => (HttpMethod.Post, "/v1/reconcile"),
            17 => (HttpMethod.Post, $"/v1/hosts/{host}/certificate"),
            _ => (Pick([HttpMethod.Put, HttpMethod.Patch, HttpMethod.Get, HttpMethod.Options]), Pick(["/v1/sandboxes", $"/v1/sandboxes/{sandbox}", "/v1/hosts", "/v1/nope", "/healthz"])),
        };
    }

    private string RightCredential(string path) =>
        path.StartsWith("/v1/sandboxes", StringComparison.Ordinal) ? credentials.TeamKey
        : path.EndsWith("/heartbeat", StringComparison.Ordinal) || path.EndsWith("/sandbox-events", StringComparison.Ordinal)
            || path.EndsWith("/certificate", StringComparison.Ordinal) ? credentials.HostToken
        : credentials.AdminKey;

    private string Id(params string[] real) => random.Next(6) switch
    {
        0 when real.Length > 0 => Pick(real),
        // Kestrel refuses a path holding an encoded NUL with a bare 400 before any of the API runs.
        1 => Uri.EscapeDataString(Pick(Strings).Replace("\u0000", "", StringComparison.Ordinal)),
        2 => new string('9', random.Next(1, 300)),
        _ => Guid.NewGuid().ToString(),
    };

    private string Query() => random.Next(4) switch
    {
        0 => "",
        1 => $"?status={Uri.EscapeDataString(Pick(Strings))}",
        2 => $"?limit={Uri.EscapeDataString(Pick(Numbers))}",
        _ => $"?cursor={Uri.EscapeDataString(Pick(Strings))}&limit={Pick(Numbers)}&status=running&status=paused",
    };

    /// <summary>
    /// Header values stay valid HTTP (no control characters): a request with a NUL in a header is not
    /// HTTP, and Kestrel refuses it with a bare 400 before any of the API runs.
    /// </summary>
    private string? Authorization() => AuthorizationValue() is { } value ? new string([.. value.Where(c => !char.IsControl(c) && c < 0x7f)]) : null;

    /// <summary>Half the time a real credential (of some kind), so the requests get past authentication to the parsing.</summary>
    private string? AuthorizationValue() => random.Next(16) switch
    {
        0 => null,
        1 => "Bearer",
        2 => "Bearer " + Pick(Strings),
        3 => "Basic dXNlcjpwYXNz",
        4 => "Bearer " + new string('k', random.Next(200, 5000)),
        5 => "Bearer " + Mutate(credentials.TeamKey),
        6 => "bearer " + credentials.AdminKey + " extra",
        7 => "Bearer " + credentials.OtherTeamKey,
        8 or 9 or 10 => "Bearer " + credentials.TeamKey,
        11 or 12 or 13 => "Bearer " + credentials.AdminKey,
        _ => "Bearer " + credentials.HostToken,
    };

    private byte[] Body() => random.Next(6) switch
    {
        0 => Encoding.UTF8.GetBytes(Value(depth: 0)),
        1 => Encoding.UTF8.GetBytes(Mutate(Object(depth: 0))),
        2 => [.. Enumerable.Range(0, random.Next(1, 200)).Select(_ => (byte)random.Next(256))],
        3 => Encoding.UTF8.GetBytes("{\"metadata\":{" + string.Join(",", Enumerable.Range(0, random.Next(30, 60)).Select(i => $"\"k{i}\":\"{new string('v', random.Next(1, 600))}\"")) + "}}"),
        4 => Encoding.UTF8.GetBytes("{\"reason\":\"" + new string('x', random.Next(60_000, 80_000)) + "\"}"),
        _ => Encoding.UTF8.GetBytes(Object(depth: 0)),
    };

    private string Object(int depth) =>
        "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 7)).Select(_ => $"{Quote(Pick(Fields))}:{Value(depth + 1)}")) + "}";

    private string Value(int depth) => random.Next(depth > 2 ? 5 : 8) switch
    {
        0 => Quote(Pick(Strings)),
        1 => Pick(Numbers),
        2 => Pick(["true", "false", "null"]),
        3 => Quote(Guid.NewGuid().ToString()),
        4 => Quote(new string((char)random.Next(0x20, 0x3000), random.Next(0, 80))),
        5 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => Value(depth + 1))) + "]",
        _ => Object(depth),
    };

    private string Mutate(string text)
    {
        if (text.Length == 0)
        {
            return "{";
        }
        var chars = text.ToCharArray();
        return random.Next(4) switch
        {
            0 => text[..random.Next(text.Length)],
            1 => text.Insert(random.Next(text.Length), Pick(["\"", "{", "}", ",", ":", "\\", "\u0000", "]"])),
            2 => new string([.. chars.Select(c => random.Next(10) == 0 ? (char)random.Next(0x20, 0x7f) : c)]),
            _ => text + text,
        };
    }

    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
