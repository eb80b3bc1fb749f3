package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.scoring.ExecutorProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Checks, at the start of a night on a Spark cluster and before any tenant is touched, what every tenant's tasks
 * would otherwise each fail on: the master answers, the executors start and load Nightbake's classes from the executor
 * jar, and they can read and write {@code nightbake.home}. Each failure names the setting and the fix. In local mode
 * there is nothing to check (the executors are this JVM).
 */
@Component
public class SparkClusterCheck {

    private static final Logger log = LoggerFactory.getLogger(SparkClusterCheck.class);

    private final SparkProvider spark;
    private final NightbakeProperties properties;
    private final Duration timeout;

    public SparkClusterCheck(SparkProvider spark, NightbakeProperties properties,
                             @Value("${nightbake.spark.check-timeout:120s}") Duration timeout) {
        this.spark = spark;
        this.properties = properties;
        this.timeout = timeout;
    }

    /** The night cannot run on the configured cluster; the message says which setting to fix and how. */
    public static final class ClusterNotReady extends RuntimeException {
        ClusterNotReady(String message) {
            super(message);
        }
    }

    public void check() {
        if (!spark.isCluster()) {
            return;
        }
        long start = System.nanoTime();
        checkMasterAnswers(spark.master());
        checkExecutorJarOnDriver(spark.executorJar());
        SparkSession session;
        try {
            session = spark.session();
        } catch (RuntimeException e) {
            throw new ClusterNotReady(SparkProvider.MASTER + "=" + spark.master() + ": Spark could not start a session ("
                    + PartitionResults.describe(e) + "); check the master URL and the nightbake.spark.conf.* settings");
        }
        probeExecutors(session);
        log.info("Spark cluster {} ready: {} task slots, executor jar {} ({} ms)", spark.master(), spark.slots(),
                spark.executorJar(), (System.nanoTime() - start) / 1_000_000);
    }

    /** A standalone master that refuses connections would otherwise cost Spark's minute of retries. */
    static void checkMasterAnswers(String master) {
        if (!master.startsWith("spark://")) {
            return; // yarn, k8s://...: Spark's own client reports those
        }
        List<String> problems = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ClusterNotReady(SparkProvider.MASTER + "=" + master + ": '" + hostPort
                        + "' is not host:port; write it as spark://host:7077");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 5_000);
                return; // one master of the list answers: Spark finds the leader
            } catch (IOException e) {
                problems.add(host + ":" + port + " (" + e.getMessage() + ")");
            }
        }
        throw new ClusterNotReady(SparkProvider.MASTER + "=" + master + ": no Spark master answers at "
                + String.join(", ", problems) + "; start the master there, or set " + SparkProvider.MASTER
                + " to the URL its log prints (spark://host:port)");
    }

    private static void checkExecutorJarOnDriver(String jar) {
        if (jar == null) {
            throw new ClusterNotReady(SparkProvider.EXECUTOR_JAR + " is not set and no " + SparkProvider.EXECUTOR_JAR_NAME
                    + " lies next to nightbake.jar: set it to the executor jar that `./mvnw package` builds next to "
                    + "nightbake.jar (batch-core/target/" + SparkProvider.EXECUTOR_JAR_NAME + ")");
        }
        URI uri = jar.contains(":") && !jar.matches("^[A-Za-z]:\\\\.*") ? URI.create(jar) : Path.of(jar).toUri();
        if ("file".equals(uri.getScheme()) && !Files.isRegularFile(Path.of(uri))) {
            throw new ClusterNotReady(SparkProvider.EXECUTOR_JAR + "=" + jar + ": no such file on the driver; point it at "
                    + SparkProvider.EXECUTOR_JAR_NAME + " (built next to nightbake.jar by `./mvnw package`)");
        }
    }

    private void probeExecutors(SparkSession session) {
        String home = properties.home().toString();
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "spark-cluster-check"));
        LostExecutors lost = new LostExecutors();
        session.sparkContext().addSparkListener(lost);
        List<ExecutorProbe.Report> reports;
        try {
            Future<List<ExecutorProbe.Report>> probe = runner.submit(() -> {
                session.sparkContext().setJobGroup("nightbake-check", "nightbake: executor check", true);
                try {
                    return ExecutorProbe.run(session, home, Math.max(2, spark.slots()));
                } finally {
                    session.sparkContext().clearJobGroup();
                }
            });
            try {
                reports = awaitProbe(probe, lost);
            } catch (TimeoutException e) {
                session.sparkContext().cancelJobGroup("nightbake-check");
                if (lost.mentioning(spark.executorJar()) > 0) {
                    throw missingJar(lost.lastReason());
                }
                throw new ClusterNotReady(SparkProvider.MASTER + "=" + spark.master() + ": no executor ran a task within "
                        + timeout.toSeconds() + " s; check that the workers are up and have the free cores and memory the "
                        + "application asks for (nightbake.spark.conf.executor.cores, nightbake.spark.conf.executor.memory)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClusterNotReady("interrupted while checking the Spark cluster " + spark.master());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                String text = causes(cause);
                if (text.contains("ClassNotFoundException") || text.contains("NoClassDefFoundError")) {
                    throw missingJar(text);
                }
                if (cause instanceof IOException) {
                    throw new ClusterNotReady("nightbake.home=" + home + ": the driver cannot write its check file there ("
                            + cause.getMessage() + "); make the folder writable");
                }
                throw new ClusterNotReady(SparkProvider.MASTER + "=" + spark.master() + ": the executor check failed: "
                        + PartitionResults.describe(cause));
            }
        } finally {
            runner.shutdownNow();
            session.sparkContext().removeSparkListener(lost);
        }
        for (ExecutorProbe.Report report : reports) {
            if (report.missingClass() != null) {
                throw missingJar("executor on " + report.host() + " cannot load " + report.missingClass());
            }
        }
        for (ExecutorProbe.Report report : reports) {
            if (report.homeProblem() != null) {
                throw new ClusterNotReady("nightbake.home=" + home + ": executors cannot use it: on " + report.host() + " they "
                        + report.homeProblem() + "; put nightbake.home on a file system that the driver and every worker "
                        + "mount at the same absolute path (NFS, a cluster file system) and set it to that absolute path");
            }
        }
    }

    /**
     * Waits for the probe; gives up early when executors keep dying at start because of the executor jar (a
     * {@code local:} jar missing on the workers), which would otherwise only show as a timeout.
     */
    private List<ExecutorProbe.Report> awaitProbe(Future<List<ExecutorProbe.Report>> probe, LostExecutors lost)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return probe.get(500, TimeUnit.MILLISECONDS);
            } catch (TimeoutException notYet) {
                if (System.nanoTime() > deadline || lost.mentioning(spark.executorJar()) >= 2) {
                    throw notYet;
                }
            }
        }
    }

    /** Why executors were lost while checking (Spark says "Unable to create executor due to <file>" and the like). */
    static final class LostExecutors extends SparkListener {
        private final List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
            reasons.add("executor " + removed.executorId() + " lost: " + removed.reason());
        }

        long mentioning(String jar) {
            if (jar == null) {
                return 0;
            }
            String path = jar.startsWith("local:") ? jar.substring("local:".length()) : jar;
            return reasons.stream().filter(r -> r.contains(path)).count();
        }

        String lastReason() {
            return reasons.isEmpty() ? "no reason given" : reasons.get(reasons.size() - 1);
        }
    }

    private ClusterNotReady missingJar(String detail) {
        return new ClusterNotReady("executors cannot load Nightbake's classes (" + shorten(detail) + "): the executor jar "
                + spark.executorJar() + " did not reach them; set " + SparkProvider.EXECUTOR_JAR + " to "
                + SparkProvider.EXECUTOR_JAR_NAME + " on the driver (it is shipped with spark.jars), or, for a local: URL, "
                + "install that jar at that path on every worker");
    }

    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null && text.length() < 20_000; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }

    private static String shorten(String text) {
        int classNotFound = text.indexOf("ClassNotFoundException");
        String from = classNotFound >= 0 ? text.substring(classNotFound) : text;
        int end = from.indexOf('\n');
        from = end > 0 ? from.substring(0, end) : from;
        return from.length() > 300 ? from.substring(0, 300) + "..." : from;
    }
}
