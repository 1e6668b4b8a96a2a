using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifecycle.Testing;

/// <summary>
/// One CA per test or benchmark run, made with .NET as an operator would make one with openssl (EC P-256,
/// CA:TRUE, keyCertSign), written as PEM files to a temporary directory that goes when the process ends.
/// Every control plane and fleet of the run is given these paths, so TLS is the path tested.
/// </summary>
public sealed class TestCertificateAuthority
{
    private static readonly Lazy<TestCertificateAuthority> Lazy = new(Create);

    private TestCertificateAuthority(string directory)
    {
        Directory = directory;
    }

    /// <summary>This process's CA, made on first use.</summary>
    public static TestCertificateAuthority Shared => Lazy.Value;

    public string Directory { get; }

    public string CertificatePath => Path.Combine(Directory, "ca.crt");

    public string KeyPath => Path.Combine(Directory, "ca.key");

    /// <summary>The control plane's settings that name this CA, as <c>Key=Value</c> pairs.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Lifecycle:HostTrust:CaCertificatePath"] = CertificatePath,
        ["Lifecycle:HostTrust:CaKeyPath"] = KeyPath,
    };

    /// <summary>Writes a new CA into <paramref name="directory"/> (created if needed); the key file is mode 0600.</summary>
    public static void Write(string directory, string subject = "CN=Lifecycle test CA")
    {
        System.IO.Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        File.WriteAllText(Path.Combine(directory, "ca.crt"), ca.ExportCertificatePem());
        var keyPath = Path.Combine(directory, "ca.key");
        File.WriteAllText(keyPath, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static TestCertificateAuthority Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lifecycle-ca-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Write(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp directory; nothing depends on it any more.
            }
        };
        return new TestCertificateAuthority(directory);
    }
}
