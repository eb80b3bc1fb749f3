package io.nightbake.batch;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The nightly scenario on the embedded defaults (file-based H2). */
class NightlyJobH2Test extends NightlyScenario {

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        fleet(home, registry);
    }

    @Override
    Path home() {
        return home;
    }
}
