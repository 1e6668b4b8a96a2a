using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Lifecycle.Tests.HostTrust;

/// <summary>What registration demands of a host under mutual TLS, and what the insecure development flag relaxes.</summary>
public sealed class RegistrationTrustTests
{
    private static ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public static async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public static async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task A_registration_answers_with_a_certificate_for_the_host_id_and_the_ca()
    {
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);

        var response = await admin.PostAsJsonAsync("/v1/hosts", new { name = "tls-1", grpc_address = "https://127.0.0.1:1", csr = TestTrust.NewCsr() });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var certificate = X509Certificate2.CreateFromPem(body.GetProperty("certificate").GetString()!);
        var id = body.GetProperty("id").GetGuid();
        Assert.That(certificate.GetNameInfo(X509NameType.SimpleName, false), Is.EqualTo(id.ToString()));
        Assert.That(Lifecycle.HostAgent.V1.Trust.PeerIdentity.HostIdOf(certificate), Is.EqualTo(id));
        Assert.That(body.GetProperty("ca_certificate").GetString(), Is.EqualTo(TestTrust.Authority.CertificatePem));
        Assert.That(body.GetProperty("certificate_expires_at").GetDateTime(), Is.EqualTo(certificate.NotAfter.ToUniversalTime()).Within(TimeSpan.FromSeconds(1)));
    }

    public static IEnumerable<TestCaseData> BadRegistrations()
    {
        yield return new TestCaseData(new { name = "tls-x", grpc_address = "https://127.0.0.1:1" }, "openssl req").SetArgDisplayNames("no csr");
        yield return new TestCaseData(new { name = "tls-x", grpc_address = "https://127.0.0.1:1", csr = "not a csr" }, "openssl req").SetArgDisplayNames("garbage csr");
        yield return new TestCaseData(new { name = "tls-x", grpc_address = "https://127.0.0.1:1", csr = WeakRsaCsr() }, "2048").SetArgDisplayNames("an RSA key of 1024 bits");
        yield return new TestCaseData(new { name = "tls-x", grpc_address = "http://127.0.0.1:1", csr = TestTrust.NewCsr() }, "Insecure").SetArgDisplayNames("a plaintext address");
    }

    [TestCaseSource(nameof(BadRegistrations))]
    public async Task Registrations_without_a_good_csr_or_with_a_plaintext_address_are_400_problems(object body, string saying)
    {
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);

        var response = await admin.PostAsJsonAsync("/v1/hosts", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), Does.Contain(saying));
    }

    [Test]
    public async Task With_the_insecure_flag_hosts_register_without_a_csr_and_are_called_in_plaintext()
    {
        await using var insecure = await ControlPlaneHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Lifecycle:HostTrust:Insecure"] = "true",
            ["Lifecycle:HostTrust:CaCertificatePath"] = "",
            ["Lifecycle:HostTrust:CaKeyPath"] = "",
        });
        Assert.That(insecure.Fleet.Hosts[0].Address, Does.StartWith("http://"));
        Assert.That(insecure.Fleet.Hosts[0].Certificate, Is.Null);

        Assert.That(await insecure.CreateRunningAsync(), Is.Not.Empty, "a sandbox runs on the plaintext host");
        using var admin = insecure.ClientWithKey(ControlPlaneHarness.AdminKey);
        var registered = await admin.PostAsJsonAsync("/v1/hosts", new { name = "plain-1", grpc_address = "http://127.0.0.1:1" });
        Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await registered.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("certificate", out _), Is.False);
    }

    [Test]
    public async Task Without_ca_files_and_without_the_insecure_flag_the_control_plane_does_not_start()
    {
        await using var database = await TestDatabase.CreateAsync();
        var deployment = DeploymentBuilder.On(database.ConnectionString, TestServers.Redis, TestKeyPrefix.New())
            .With("Lifecycle:HostMonitor:Enabled", "false")
            .With("Lifecycle:HostTrust:CaCertificatePath", "/nonexistent/ca.crt")
            .With("Lifecycle:HostTrust:CaKeyPath", "/nonexistent/ca.key")
            .Replicas(1, ReplicaKind.InProcess);

        var failure = Assert.CatchAsync(async () => await (await deployment.StartAsync()).DisposeAsync());
        Assert.That(failure!.Message, Does.Contain("Lifecycle:HostTrust").And.Contain("/nonexistent/ca.crt"));
    }

    [Test]
    public async Task The_readmes_openssl_csr_registers_a_host_and_its_openssl_proof_renews_it()
    {
        var directory = Directory.CreateTempSubdirectory("lifecycle-readme-").FullName;
        try
        {
            const string newKey = "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {0}.key -subj /CN=host-7 -out {0}.csr";
            await ShAsync(directory, string.Format(System.Globalization.CultureInfo.InvariantCulture, newKey, "host"));
            using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
            var registered = await admin.PostAsJsonAsync("/v1/hosts",
                new { name = "readme-7", grpc_address = "https://127.0.0.1:1", csr = await File.ReadAllTextAsync(Path.Combine(directory, "host.csr")) });
            Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created), await registered.Content.ReadAsStringAsync());
            var host = await registered.Content.ReadFromJsonAsync<JsonElement>();

            await ShAsync(directory, string.Format(System.Globalization.CultureInfo.InvariantCulture, newKey, "new"));
            var proof = await ShAsync(directory, "openssl req -in new.csr -outform DER | openssl dgst -sha256 -sign host.key | base64 -w0");
            using var agent = _harness.ClientWithKey(host.GetProperty("token").GetString());
            var renewed = await agent.PostAsJsonAsync($"/v1/hosts/{host.GetProperty("id").GetString()}/certificate",
                new { csr = await File.ReadAllTextAsync(Path.Combine(directory, "new.csr")), proof = proof.Trim() });

            Assert.That(renewed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await renewed.Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> ShAsync(string directory, string command)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", command])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, await errors);
        return await output;
    }

    private static string WeakRsaCsr()
    {
        using var rsa = RSA.Create(1024);
        return new CertificateRequest("CN=weak", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
    }
}
