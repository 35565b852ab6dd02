package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.elustream.launcher.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;

/**
 * Key and trust stores for TLS tests, made with the JDK's {@code keytool} (no extra dependency): a
 * test CA, a broker certificate for 127.0.0.1 and localhost and a client certificate, both signed by
 * it, and a second, unrelated CA for "untrusted certificate" cases. PKCS12, EC P-256 keys, valid for
 * two days; every store has its own random password.
 */
public final class TestCertificates {

    private static final String DAYS = "2";
    private static TestCertificates shared;

    private final Store brokerKeystore;
    private final Store caTruststore;
    private final Store clientKeystore;
    private final Store untrustedCaTruststore;

    /** A key or trust store: its file, password and type (PKCS12 or JKS). */
    public record Store(Path path, String password, String type) {
        /** The client properties that make this the trust store (without the kafka. prefix). */
        public Map<String, String> asTruststore() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("ssl.truststore.location", path.toAbsolutePath().toString());
            m.put("ssl.truststore.password", password);
            m.put("ssl.truststore.type", type);
            return m;
        }

        /** The client properties that make this the key store (without the kafka. prefix). */
        public Map<String, String> asKeystore() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("ssl.keystore.location", path.toAbsolutePath().toString());
            m.put("ssl.keystore.password", password);
            m.put("ssl.keystore.type", type);
            return m;
        }

        @Override
        public String toString() {
            return "Store[" + path + ", " + type + "]";
        }
    }

    private TestCertificates(Store brokerKeystore, Store caTruststore, Store clientKeystore, Store untrustedCaTruststore) {
        this.brokerKeystore = brokerKeystore;
        this.caTruststore = caTruststore;
        this.clientKeystore = clientKeystore;
        this.untrustedCaTruststore = untrustedCaTruststore;
    }

    /** One set for the whole test JVM (keytool takes a few seconds), deleted when it exits. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            Path dir;
            try {
                dir = Files.createTempDirectory("elu-stream-certs-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(dir)));
            shared = create(dir);
        }
        return shared;
    }

    /** Makes the CAs, certificates and stores in dir. */
    public static TestCertificates create(Path dir) {
        Path caKeys = dir.resolve("ca.p12");
        String caPassword = password("ca");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=elu-stream test CA", "-ext", "bc:c",
                "-keystore", caKeys.toString(), "-storepass", caPassword);
        Path caCert = dir.resolve("ca.crt");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-file", caCert.toString(),
                "-keystore", caKeys.toString(), "-storepass", caPassword);
        Store truststore = truststore(dir.resolve("truststore.p12"), caCert);

        Store broker = signedKeystore(dir, "broker", "CN=localhost", caKeys, caPassword, caCert,
                "SAN=IP:127.0.0.1,DNS:localhost", "EKU=serverAuth");
        Store client = signedKeystore(dir, "client", "CN=elu-stream-client", caKeys, caPassword, caCert,
                null, "EKU=clientAuth");

        Path otherKeys = dir.resolve("other-ca.p12");
        String otherPassword = password("other-ca");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=some other CA", "-ext", "bc:c",
                "-keystore", otherKeys.toString(), "-storepass", otherPassword);
        Path otherCert = dir.resolve("other-ca.crt");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-file", otherCert.toString(),
                "-keystore", otherKeys.toString(), "-storepass", otherPassword);
        Store untrusted = truststore(dir.resolve("other-ca-truststore.p12"), otherCert);
        return new TestCertificates(broker, truststore, client, untrusted);
    }

    /**
     * A JKS key store with a self-signed key whose key password differs from the store's (PKCS12
     * cannot have that): for tests that need {@code ssl.key.password} to be a secret of its own.
     */
    public static Store selfSignedJksKeystore(Path file, String storePassword, String keyPassword) {
        keytool("-genkeypair", "-alias", "client", "-dname", "CN=elu-stream-jks-client", "-storetype", "JKS",
                "-keystore", file.toString(), "-storepass", storePassword, "-keypass", keyPassword);
        return new Store(file, storePassword, "JKS");
    }

    /** The broker's TLS listener stores: its certificate, and the CA it accepts client certificates from. */
    public EmbeddedKafka.BrokerTls brokerTls() {
        return new EmbeddedKafka.BrokerTls(brokerKeystore.path(), brokerKeystore.password(),
                caTruststore.path(), caTruststore.password());
    }

    /** Trusts the test CA, which signed the broker's and the client's certificates. */
    public Store caTruststore() {
        return caTruststore;
    }

    /** The broker's key and certificate (for 127.0.0.1 and localhost) with the CA's. */
    public Store brokerKeystore() {
        return brokerKeystore;
    }

    /** A client key and certificate, signed by the test CA, for mutual TLS. */
    public Store clientKeystore() {
        return clientKeystore;
    }

    /** Trusts only another CA: the broker's certificate does not verify against it. */
    public Store untrustedCaTruststore() {
        return untrustedCaTruststore;
    }

    /** Every store password: none of them may ever appear in a log. */
    public List<String> passwords() {
        return List.of(brokerKeystore.password(), caTruststore.password(), clientKeystore.password(),
                untrustedCaTruststore.password());
    }

    private static Store truststore(Path file, Path caCert) {
        String pw = password(file.getFileName().toString().replace(".p12", ""));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCert.toString(),
                "-keystore", file.toString(), "-storepass", pw);
        return new Store(file, pw, "PKCS12");
    }

    /** A key pair whose certificate the CA signs; the store holds the chain (certificate, CA). */
    private static Store signedKeystore(Path dir, String name, String dname, Path caKeys, String caPassword, Path caCert,
            String san, String eku) {
        Path keys = dir.resolve(name + ".p12");
        String pw = password(name);
        keytool("-genkeypair", "-alias", name, "-dname", dname, "-keystore", keys.toString(), "-storepass", pw);
        Path csr = dir.resolve(name + ".csr");
        keytool("-certreq", "-alias", name, "-file", csr.toString(), "-keystore", keys.toString(), "-storepass", pw);
        Path cert = dir.resolve(name + ".crt");
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-infile", csr.toString(),
                "-outfile", cert.toString(), "-keystore", caKeys.toString(), "-storepass", caPassword, "-ext", eku));
        if (san != null) {
            gencert.add("-ext");
            gencert.add(san);
        }
        keytool(gencert.toArray(new String[0]));
        // keytool takes a reply holding the whole chain, so the CA need not be in the store first.
        Path chain = dir.resolve(name + "-chain.crt");
        try {
            Files.writeString(chain, Files.readString(cert, UTF_8) + Files.readString(caCert, UTF_8), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool("-importcert", "-noprompt", "-alias", name, "-file", chain.toString(),
                "-keystore", keys.toString(), "-storepass", pw);
        return new Store(keys, pw, "PKCS12");
    }

    private static String password(String what) {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return "SECRET-" + what + "-" + HexFormat.of().formatHex(b);
    }

    private static void keytool(String... args) {
        Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
        Path keytool = java.resolveSibling("keytool");
        List<String> cmd = new ArrayList<>();
        cmd.add(Files.isExecutable(keytool) ? keytool.toString() : "keytool");
        // A short-lived JVM: the C1 compiler alone starts it faster.
        cmd.add("-J-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(args));
        if (List.of(args).contains("-genkeypair")) {
            cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", DAYS));
        }
        if (!List.of(args).contains("-storetype")) {
            cmd.addAll(List.of("-storetype", "PKCS12"));
        }
        if (List.of(args).contains("-gencert")) {
            cmd.addAll(List.of("-validity", DAYS));
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            // temporary files: leaving them behind is harmless
        }
    }
}
