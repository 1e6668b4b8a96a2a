using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifecycle.Contract.Text;

/// <summary>JSON converters that write every <see cref="DateTime"/> and <see cref="DateTimeOffset"/> as <see cref="Timestamps"/> does.</summary>
public static class TimestampJsonConverters
{
    /// <summary>Adds both converters (a nullable time uses them too).</summary>
    public static void AddTo(JsonSerializerOptions options)
    {
        options.Converters.Add(new DateTimeOffsetConverter());
        options.Converters.Add(new DateTimeConverter());
    }

    private sealed class DateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Timestamps.TryParse(reader.GetString(), out var at) ? at : throw new JsonException("not an RFC 3339 time with its offset");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Timestamps.Write(value));
    }

    private sealed class DateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Timestamps.TryParse(reader.GetString(), out var at) ? at.UtcDateTime : throw new JsonException("not an RFC 3339 time with its offset");

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Timestamps.Write(value));
    }
}
