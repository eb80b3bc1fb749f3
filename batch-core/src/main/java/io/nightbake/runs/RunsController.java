package io.nightbake.runs;

import io.nightbake.api.ApiException;
import io.nightbake.batch.RunReport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Nightly runs for operators: {@code /api/v1/admin/runs}. */
@RestController
@RequestMapping("/api/v1/admin/runs")
public class RunsController {

    private static final Logger log = LoggerFactory.getLogger(RunsController.class);

    private final RunsService runs;
    private final ExecutorService reruns = Executors.newSingleThreadExecutor(r -> new Thread(r, "rerun"));

    public RunsController(RunsService runs) {
        this.runs = runs;
    }

    @GetMapping
    public List<RunsService.RunSummary> list(@RequestParam(defaultValue = "20") String limit) {
        return runs.list(parse(limit, "limit", 1, 1000));
    }

    @GetMapping("/{runId}")
    public RunReport.Run show(@PathVariable String runId) {
        return known(() -> runs.show(parse(runId, "run id", 1, Integer.MAX_VALUE)));
    }

    /**
     * Reruns the run's failed tenants in the background (202); the run's status tells when it is done. A run that
     * completed, or is still running, answers 409 {@code nothing_to_rerun}; another night running, 409
     * {@code run_locked}.
     */
    @PostMapping("/{runId}/rerun")
    public ResponseEntity<Map<String, Object>> rerun(@PathVariable String runId) {
        long id = parse(runId, "run id", 1, Integer.MAX_VALUE);
        var runDate = known(() -> runs.runDate(id));
        known(() -> {
            runs.checkRerunnable(id);
            return null;
        });
        reruns.submit(() -> {
            try {
                runs.rerun(id);
            } catch (Exception e) {
                log.error("rerun of run {} failed: {}", id, e.getMessage(), e);
            }
        });
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("runDate", runDate.toString(),
                "message", "rerunning the failed tenants of run " + id + " (" + runDate + "); GET /api/v1/admin/runs/" + id
                        + " shows its attempts", "runId", id));
    }

    private static <T> T known(java.util.function.Supplier<T> lookup) {
        try {
            return lookup.get();
        } catch (RunsService.UnknownRunException e) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_run", e.getMessage());
        } catch (RunsService.NothingToRerunException e) {
            throw new ApiException(HttpStatus.CONFLICT, "nothing_to_rerun", e.getMessage());
        } catch (io.nightbake.runs.RunLock.HeldException e) {
            throw new ApiException(HttpStatus.CONFLICT, "run_locked", e.getMessage());
        }
    }

    private static int parse(String value, String what, int min, int max) {
        try {
            int number = Integer.parseInt(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", what + " must be a whole number from " + min + " to " + max);
    }
}
