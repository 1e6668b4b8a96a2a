using System.Collections.Concurrent;
using Lifecycle.ControlPlane.OpenApi;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Lifecycle.Testing.Answers;

/// <summary>
/// Every kind of answer the in-process control planes of this process gave, once <see cref="StartRecording"/> was
/// called (the tests call it; benchmarks do not), and the OpenAPI document of the first of them to start, to check
/// the answers against.
/// </summary>
public sealed class AnswerLog
{
    private readonly ConcurrentDictionary<Answer, byte> _seen = new();
    private readonly ConcurrentQueue<Answer> _unchecked = new();
    private readonly Lock _gate = new();
    private Task<string>? _document;

    public static AnswerLog Shared { get; } = new();

    public bool Recording { get; private set; }

    public void StartRecording() => Recording = true;

    /// <summary>Every kind of answer recorded so far.</summary>
    public IReadOnlyCollection<Answer> All => [.. _seen.Keys];

    public void Add(Answer answer)
    {
        if (_seen.TryAdd(answer, 0))
        {
            _unchecked.Enqueue(answer);
        }
    }

    /// <summary>The kinds of answer first seen since the last call.</summary>
    public IReadOnlyList<Answer> TakeUnchecked()
    {
        var taken = new List<Answer>();
        while (_unchecked.TryDequeue(out var answer))
        {
            taken.Add(answer);
        }
        return taken;
    }

    /// <summary>The OpenAPI document (JSON) of the first control plane that started, or null when none has.</summary>
    public Task<string>? Document
    {
        get
        {
            lock (_gate)
            {
                return _document;
            }
        }
    }

    /// <summary>Generates the document from a control plane that has just started, unless one already did.</summary>
    internal void CaptureDocument(IServiceProvider services)
    {
        lock (_gate)
        {
            if (_document is null || _document.IsFaulted || _document.IsCanceled)
            {
                _document = GenerateAsync(services);
            }
        }
    }

    private static async Task<string> GenerateAsync(IServiceProvider services)
    {
        var document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>(OpenApiDocumentation.DocumentName).GetOpenApiDocumentAsync();
        return await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1);
    }
}
