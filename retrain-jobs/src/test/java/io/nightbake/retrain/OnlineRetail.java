package io.nightbake.retrain;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** UCI Online Retail (../shared/data/online-retail), for importer tests and quality checks. */
public final class OnlineRetail {

    private OnlineRetail() {
    }

    public static Path file() {
        Path file = Path.of(System.getProperty("nightbake.shared.data", "../../shared/data"))
                .resolve("online-retail").resolve("online-retail.csv.gz");
        Assumptions.assumeTrue(Files.isRegularFile(file), "Online Retail not found at " + file);
        return file;
    }
}
