using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Timeouts;
using Lifecycle.ControlPlane.OpenApi;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The body of <c>POST /v1/sandboxes</c>; every field has a default, so <c>{}</c> is valid. <c>timeout_sec</c> is its time
/// to live from now (and from every resume, timeout or connect call); <c>on_timeout</c> says what then happens to it;
/// <c>max_lifetime_sec</c>, when given, bounds its whole life from now, whatever extends it.
/// </summary>
/// <remarks>The attributes describe the fields in the OpenAPI document; <see cref="Validate"/> enforces them.</remarks>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateSandboxRequest(
    [property: RegularExpression(Slug.Pattern), StringLength(CreateSandboxRequest.MaxTemplateLength, MinimumLength = 1), DefaultValue("base")]
    string Template = "base",
    [property: Range(1, CreateSandboxRequest.MaxVcpus), DefaultValue(1)]
    int Vcpus = 1,
    [property: Range(CreateSandboxRequest.MinMemoryMb, CreateSandboxRequest.MaxMemoryMb), DefaultValue(512)]
    int MemoryMb = 512,
    [property: Range(1, CreateSandboxRequest.MaxTimeoutSec), DefaultValue(300), Description("Its time to live in seconds, from now and from every resume, timeout or connect call.")]
    int TimeoutSec = 300,
    [property: OneOf(typeof(OnTimeouts), nameof(OnTimeouts.WireNames)), DefaultValue(OnTimeouts.PauseName), Description("What happens to it when its time to live runs out.")]
    string OnTimeout = OnTimeouts.PauseName,
    [property: Range(1, CreateSandboxRequest.MaxLifetimeSecLimit), Description("Bounds its whole life from now, whatever extends it; absent for no bound.")]
    int? MaxLifetimeSec = null,
    [property: Description("At most 32 entries; keys 1 to 64 characters, values at most 512.")]
    Dictionary<string, string>? Metadata = null) : IValidatable
{
    public const int MaxVcpus = 64;
    public const int MinMemoryMb = 128;
    public const int MaxMemoryMb = 262_144;
    public const int MaxTimeoutSec = 86_400;
    public const int MaxLifetimeSecLimit = 30 * 86_400;
    public const int MaxMetadataEntries = 32;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;
    public const int MaxTemplateLength = 64;

    /// <summary>The first problem with this request, or null when it is valid.</summary>
    public string? Validate()
    {
        if (!Slug.IsValid(Template, MaxTemplateLength))
        {
            return Slug.Describe("template", MaxTemplateLength);
        }
        if (Vcpus is < 1 or > MaxVcpus)
        {
            return $"vcpus must be between 1 and {MaxVcpus}.";
        }
        if (MemoryMb is < MinMemoryMb or > MaxMemoryMb)
        {
            return $"memory_mb must be between {MinMemoryMb} and {MaxMemoryMb}.";
        }
        if (TimeoutSec is < 1 or > MaxTimeoutSec)
        {
            return $"timeout_sec must be between 1 and {MaxTimeoutSec}.";
        }
        if (!OnTimeouts.TryParse(OnTimeout, out _))
        {
            return $"on_timeout must be one of: {string.Join(", ", OnTimeouts.WireNames)}.";
        }
        if (MaxLifetimeSec is < 1 or > MaxLifetimeSecLimit)
        {
            return $"max_lifetime_sec must be between 1 and {MaxLifetimeSecLimit}, or absent for no limit.";
        }
        if (Metadata is null)
        {
            return null;
        }
        if (Metadata.Count > MaxMetadataEntries)
        {
            return $"metadata may have at most {MaxMetadataEntries} entries.";
        }
        foreach (var (key, value) in Metadata)
        {
            if (!IsValidMetadataKey(key))
            {
                return $"metadata keys must be 1 to {MaxMetadataKeyLength} characters without control characters.";
            }
            if (!IsValidMetadataValue(value))
            {
                return $"metadata values must be strings of at most {MaxMetadataValueLength} characters.";
            }
        }
        return null;
    }

    private static bool IsValidMetadataKey(string key) => key.Length is > 0 and <= MaxMetadataKeyLength && !key.Any(char.IsControl);

    private static bool IsValidMetadataValue(string? value) => value is not null && value.Length <= MaxMetadataValueLength;

    /// <summary>Whether a sandbox could have this metadata pair (a listing's filter on one that none can have is refused).</summary>
    public static bool IsValidMetadataPair(string key, string? value) => IsValidMetadataKey(key) && IsValidMetadataValue(value);

    public OnTimeout Policy() => OnTimeouts.Parse(OnTimeout);

    public string MetadataJson() => JsonSerializer.Serialize(Metadata ?? []);
}
