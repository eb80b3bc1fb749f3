package io.nightbake.scoring;

import io.nightbake.config.BusinessRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScoringTaskTest {

    @Test
    void tasksAndResultsSurviveJavaSerialization() {
        BusinessRules rules = new BusinessRules(true, false, Set.of("toys"), Map.of("north", Set.of("home")), 2.5);
        ScoringTask task = new ScoringTask("acme", "/data/acme", "/models/acme/3", 3, Fixtures.RUN_DATE, rules,
                Fixtures.FEATURES, 20, "/staging/acme/recommendations.parquet", 1234);
        ScoringResult result = new ScoringResult("acme", true, 10, 9, 91, 500, 12, null,
                new ScoringResult.Phases(1, 2, 3, 4, 5, 6));
        ArrayList<Object> both = new ArrayList<>(List.of(task, result));

        List<Object> copy = JavaBytes.read(JavaBytes.write(both));

        assertThat(copy).containsExactly(task, result);
        assertThat(((ScoringTask) copy.get(0)).rules().toBusinessRules()).isEqualTo(rules);
    }

    @Test
    void rejectsAnEmptyList() {
        assertThatThrownBy(() -> Fixtures.task(Path.of("/r"), "acme", Path.of("/d"), Path.of("/m"), ScoringRules.NONE, 0, 0))
                .hasMessageContaining("tenant 'acme': k must be at least 1");
    }

    @Test
    void wideCataloguesGetFewerCustomersPerCall() {
        ScoringOptions options = ScoringOptions.DEFAULTS;
        assertThat(options.rowsPerBatch(20_000, 5_000)).isEqualTo(209);
        assertThat(options.rowsPerBatch(20_000, 100_000)).isEqualTo(10);
        assertThat(options.rowsPerBatch(20_000, 300)).isEqualTo(256);
        assertThat(options.rowsPerBatch(20_000, 5_000_000)).isEqualTo(1);
        assertThat(options.rowsPerBatch(7, 300)).isEqualTo(7);
    }
}
