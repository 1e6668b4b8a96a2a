namespace Lifecycle.Tests;

/// <summary>
/// A Redis key prefix of the running test's own: its name, shortened, and a few random characters, so
/// that whoever reads redis-cli output can tell which test wrote a key. Letters, digits, '_' and '-'
/// only: a brace would make part of the prefix a hash tag and move the keys between cluster slots.
/// </summary>
public static class TestKeyPrefix
{
    private const int NameLength = 48;

    public static string New()
    {
        var name = new string([.. TestContext.CurrentContext.Test.Name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-').Take(NameLength)]);
        var unique = $"{Guid.NewGuid():N}"[..8];
        return $"test:{(name.Length > 0 ? name : "test")}-{unique}:";
    }
}
