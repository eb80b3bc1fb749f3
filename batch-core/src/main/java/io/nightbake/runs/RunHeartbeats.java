package io.nightbake.runs;

import io.nightbake.jdbc.Jdbc;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Marks the nightly executions this process runs as alive: a row per execution with its owner (host and pid),
 * refreshed every few seconds while it runs and removed when it ends. {@link RunRecovery} reads them to tell a run
 * that died from one still going on another node.
 */
@Component
public class RunHeartbeats implements JobExecutionListener {

    /** host:pid of this process. */
    public static final String OWNER = host() + ":" + ProcessHandle.current().pid();

    private final Jdbc jdbc;
    private final Clock clock;
    private final Map<Long, Boolean> running = new ConcurrentHashMap<>();

    public RunHeartbeats(DataSource dataSource, Clock clock) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    public record Heartbeat(long jobExecutionId, String owner, Instant startedAt, Instant heartbeatAt) {

        public String host() {
            return owner.substring(0, owner.lastIndexOf(':'));
        }

        public long pid() {
            return Long.parseLong(owner.substring(owner.lastIndexOf(':') + 1));
        }
    }

    @Override
    public void beforeJob(JobExecution execution) {
        Instant now = clock.instant();
        jdbc.inTransaction(c -> {
            Jdbc.update(c, "DELETE FROM nb_run_heartbeat WHERE job_execution_id = ?", execution.getId());
            return Jdbc.update(c, "INSERT INTO nb_run_heartbeat (job_execution_id, owner, started_at, heartbeat_at) "
                    + "VALUES (?, ?, ?, ?)", execution.getId(), OWNER, now, now);
        });
        running.put(execution.getId(), true);
    }

    @Override
    public void afterJob(JobExecution execution) {
        running.remove(execution.getId());
        jdbc.inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_run_heartbeat WHERE job_execution_id = ?", execution.getId()));
    }

    @Scheduled(fixedDelayString = "${nightbake.recovery.heartbeat-millis:5000}")
    public void beat() {
        for (Long id : running.keySet()) {
            jdbc.inTransaction(c -> Jdbc.update(c, "UPDATE nb_run_heartbeat SET heartbeat_at = ? WHERE job_execution_id = ?",
                    clock.instant(), id));
        }
    }

    /** The nightly executions running in this process. */
    public java.util.Set<Long> runningHere() {
        return java.util.Set.copyOf(running.keySet());
    }

    public Optional<Heartbeat> find(long jobExecutionId) {
        return jdbc.queryOne("SELECT * FROM nb_run_heartbeat WHERE job_execution_id = ?", RunHeartbeats::heartbeat,
                jobExecutionId);
    }

    public void forget(long jobExecutionId) {
        jdbc.inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_run_heartbeat WHERE job_execution_id = ?", jobExecutionId));
    }

    private static Heartbeat heartbeat(ResultSet row) throws SQLException {
        return new Heartbeat(row.getLong("job_execution_id"), row.getString("owner"), Jdbc.instant(row, "started_at"),
                Jdbc.instant(row, "heartbeat_at"));
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }
}
