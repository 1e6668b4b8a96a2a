using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// One client request and its answer, as the soak saw it: a line of <c>requests.jsonl</c>. Times are
/// milliseconds since the run started. <paramref name="Error"/> names a transport failure (refused,
/// reset, timeout) when there was no HTTP answer; <paramref name="Generation"/> is the control plane's
/// start count when sent and <paramref name="UpAtSend"/> whether it was up then; with several control
/// planes, those of the one that answered or failed last (<paramref name="Replica"/>).
/// </summary>
public sealed record RequestRecord(
    long Seq,
    string Op,
    Guid? SandboxId,
    double SentMs,
    double AnsweredMs,
    int? Code,
    string? Status,
    long? Version,
    string? Error,
    string? RetryAfter,
    string? Problem,
    int Generation,
    bool UpAtSend,
    bool UpAtAnswer,
    int GenerationAtAnswer,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Replica = null)
{
    public bool Accepted => Code == 202;

    /// <summary>An answer that breaks invariant 8: a 5xx other than 503 with Retry-After.</summary>
    public bool ServerFailure => Code >= 500 && !(Code == 503 && RetryAfter is not null);

    /// <summary>No HTTP answer although the same control plane was up from send to answer.</summary>
    public bool UnansweredWhileUp => Code is null && UpAtSend && UpAtAnswer && Generation == GenerationAtAnswer;
}

/// <summary>A fault as injected: its kind, target, when it began and ended (ms since start), and what was seen.</summary>
public sealed record FaultRecord(string Kind, string Target, double StartedMs, double EndedMs, string Detail)
{
    /// <summary>
    /// From the start of the fault until the first 202 to a request sent after the last failed one (5xx
    /// or no answer) before the next fault: how long clients were turned away. 0 when none failed.
    /// </summary>
    public double? RecoveredAfterMs { get; set; }

    /// <summary>The slowest answer (waits aside) to a request sent from the fault's start until the next fault.</summary>
    public double? SlowestAnswerMs { get; set; }

    /// <summary>From the end of the fault until nothing was pending and the group's lag was 0.</summary>
    public double? DrainedAfterMs { get; set; }
}

/// <summary>Every request and every fault, kept in memory for the checks and appended to JSONL files.</summary>
public sealed class RunLog : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly ConcurrentQueue<RequestRecord> _requests = new();
    private readonly List<FaultRecord> _faults = [];
    private readonly StreamWriter _requestFile;
    private readonly StreamWriter _faultFile;
    private long _seq;

    public RunLog(string dir)
    {
        _requestFile = new StreamWriter(Path.Combine(dir, "requests.jsonl"));
        _faultFile = new StreamWriter(Path.Combine(dir, "faults.jsonl")) { AutoFlush = true };
    }

    public IReadOnlyCollection<RequestRecord> Requests => _requests;

    public IReadOnlyList<FaultRecord> Faults
    {
        get
        {
            lock (_faults)
            {
                return [.. _faults];
            }
        }
    }

    public long NextSeq() => Interlocked.Increment(ref _seq);

    public void Add(RequestRecord record)
    {
        _requests.Enqueue(record);
        var line = JsonSerializer.Serialize(record, Json);
        lock (_requestFile)
        {
            _requestFile.WriteLine(line);
        }
    }

    public void Add(FaultRecord fault)
    {
        lock (_faults)
        {
            _faults.Add(fault);
            _faultFile.WriteLine(JsonSerializer.Serialize(fault, Json));
        }
    }

    public void Dispose()
    {
        lock (_requestFile)
        {
            _requestFile.Dispose();
        }
        lock (_faults)
        {
            _faultFile.Dispose();
        }
    }
}
