package io.nightbake.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on 127.0.0.1 for tests: a Master and Workers as separate JVMs, started from the jars of
 * the build. No Spark distribution is needed: the Workers launch executors through Spark's launcher, which only wants
 * {@code $SPARK_HOME/jars}; here that folder links the test class path's jars minus everything the executor jar
 * bundles (Nightbake, Tribuo, ONNX Runtime, ...), so the executors get Nightbake's code only from the executor jar,
 * as on a real cluster. {@link #close()} stops every JVM it started, executors included.
 */
final class LocalSparkCluster implements AutoCloseable {

    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path dir;
    private final Path sparkHome;
    private final int masterPort;
    private final int masterUiPort;
    private Process master;
    private final List<Process> workers = new ArrayList<>();
    private final List<ProcessHandle> started = new ArrayList<>();

    private LocalSparkCluster(Path dir, Path sparkHome) throws IOException {
        this.dir = dir;
        this.sparkHome = sparkHome;
        this.masterPort = freePort();
        this.masterUiPort = freePort();
    }

    /** Starts a Master and {@code workers} Workers of one core each; returns once they are all registered. */
    static LocalSparkCluster start(Path dir, Path executorJar, int workerCount) throws Exception {
        Path sparkHome = dir.resolve("spark-home");
        Path jars = sparkHome.resolve("jars");
        Files.createDirectories(jars);
        Set<String> bundled = bundledArtifacts(executorJar);
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            String name = jar.getFileName().toString();
            if (!name.endsWith(".jar") || !Files.isRegularFile(jar) || bundled.stream().anyMatch(name::startsWith)
                    || name.startsWith("surefire") || name.startsWith("nightbake-") || Files.exists(jars.resolve(name))) {
                continue;
            }
            Files.createSymbolicLink(jars.resolve(name), jar.toAbsolutePath());
        }
        LocalSparkCluster cluster = new LocalSparkCluster(dir, sparkHome);
        try {
            cluster.master = cluster.startJvm("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", String.valueOf(cluster.masterPort), "--webui-port", String.valueOf(cluster.masterUiPort));
            for (int i = 1; i <= workerCount; i++) {
                Path work = dir.resolve("worker-" + i);
                Files.createDirectories(work);
                cluster.workers.add(cluster.startJvm("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host",
                        "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", String.valueOf(freePort()),
                        "--work-dir", work.toString(), cluster.masterUrl()));
            }
            cluster.awaitWorkers(workerCount);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    Path workDir(int worker) {
        return dir.resolve("worker-" + worker);
    }

    /** Kills Worker {@code n} (1-based) and the executors it launched, as when its machine is lost. */
    void killWorker(int n) {
        Process worker = workers.get(n - 1);
        List<ProcessHandle> children = worker.descendants().toList();
        worker.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Kills the Worker whose executor {@code executorId} is, and its executors. */
    void killWorkerOf(String executorId) {
        for (int n = 1; n <= workers.size(); n++) {
            boolean runsIt = workers.get(n - 1).descendants().anyMatch(p -> {
                String[] args = p.info().arguments().orElse(new String[0]);
                for (int i = 0; i + 1 < args.length; i++) {
                    if (args[i].equals("--executor-id") && args[i + 1].equals(executorId)) {
                        return true;
                    }
                }
                return false;
            });
            if (runsIt) {
                System.out.println("killing worker " + n + ", which runs executor " + executorId);
                killWorker(n);
                return;
            }
        }
        throw new IllegalStateException("no worker runs executor " + executorId);
    }

    int aliveWorkers() throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL()
                .openConnection();
        http.setConnectTimeout(2000);
        http.setReadTimeout(2000);
        try (InputStream in = http.getInputStream()) {
            Matcher m = ALIVE_WORKERS.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } finally {
            http.disconnect();
        }
    }

    private void awaitWorkers(int count) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!master.isAlive()) {
                throw new IllegalStateException("the Spark master died; see " + dir.resolve("master.log"));
            }
            try {
                if (aliveWorkers() >= count) {
                    return;
                }
            } catch (IOException notUpYet) {
                // the master's web UI is not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(count + " workers did not register within 60 s; see the logs in " + dir);
    }

    private Process startJvm(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        for (String open : System.getProperty("nightbake.test.add-opens", "").split(" ")) {
            if (!open.isBlank()) {
                command.add(open);
            }
        }
        command.addAll(List.of("-cp", sparkHome.resolve("jars") + File.separator + "*", mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        Process process = builder.start();
        started.add(process.toHandle());
        return process;
    }

    /** Artifact file-name prefixes ({@code artifactId-version}) of what the executor jar bundles. */
    static Set<String> bundledArtifacts(Path executorJar) throws IOException {
        Set<String> prefixes = new HashSet<>();
        try (JarFile jar = new JarFile(executorJar.toFile())) {
            for (var entry : jar.stream().toList()) {
                if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.properties")) {
                    Properties pom = new Properties();
                    try (InputStream in = jar.getInputStream(entry)) {
                        pom.load(in);
                    }
                    prefixes.add(pom.getProperty("artifactId") + "-" + pom.getProperty("version"));
                }
            }
        }
        return prefixes;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle handle : started) {
            all.addAll(handle.descendants().toList());
            all.add(handle);
        }
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already gone, or the OS is slow to reap: nothing more to do from here
            }
        }
    }
}
