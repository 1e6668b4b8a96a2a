using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Client;

/// <summary>
/// The API's JSON: snake_case names, absent values left out of requests, and the contract's closed sets by their wire
/// names, read and written by the contract's own functions, so the client and the server never spell one differently.
/// </summary>
internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A field the answer lacks, or a null where the contract has none, is an error, never a silent default.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Converters =
        {
            new WireNameConverter<SandboxStatus>(SandboxStatuses.ToWire, SandboxStatuses.TryParse),
            new WireNameConverter<StopReason>(StopReasons.ToWire, StopReasons.TryParse),
            new WireNameConverter<OnTimeout>(OnTimeouts.ToWire, OnTimeouts.TryParse),
            new WireNameConverter<QuotaName>(QuotaNames.ToWire, QuotaNames.TryParse),
        },
    };

    public delegate bool TryParse<T>(string? wire, out T value);

    /// <summary>One closed set as strings; a name the contract does not know is a <see cref="JsonException"/> naming it.</summary>
    private sealed class WireNameConverter<T>(Func<T, string> toWire, TryParse<T> tryParse) : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var wire = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            return tryParse(wire, out var value)
                ? value
                : throw new JsonException($"'{wire}' is not a {typeof(T).Name} this client knows: {string.Join(", ", Enum.GetValues<T>().Select(toWire))}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(toWire(value));
    }
}
