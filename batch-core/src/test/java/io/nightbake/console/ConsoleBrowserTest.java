package io.nightbake.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.NightbakeProperties;
import io.nightbake.admin.ApiKeyService;
import io.nightbake.batch.NightlyLauncher;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.DataContract;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.Trainer;
import io.nightbake.retrain.train.Trainers;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The console in a real browser: Debian's headless Chromium driven through chromium-driver (WebDriver), with API keys
 * on. One night is held in retraining (one tenant's trainer waits on a latch) so the fleet page can be watched while
 * the run goes on; another tenant's data is broken, found from the fleet page and rerun from its page once fixed.
 * Every page is saved as a screenshot in {@code target/console-*.png}. The tests run in order on one browser session.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path home;
    static byte[] goodInteractions;
    static WebDriver browser;
    static String operatorKey;
    static String tenantOneKey;

    /** The tenant whose retraining waits for {@link #release}; null: none waits. */
    static volatile String heldTenant;
    static final CountDownLatch held = new CountDownLatch(1);
    static final CountDownLatch release = new CountDownLatch(1);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        new SyntheticFleetGenerator().generate(FleetSpec.defaults().withTenants(4).withSeed(7).withLargestTenant(300, 80)
                .withSmallestCustomers(120), home.resolve("tenants"));
        goodInteractions = Files.readAllBytes(home.resolve("tenants/tenant-002").resolve(DataContract.INTERACTIONS));
        registry.add("nightbake.home", () -> home.toString());
        registry.add("nightbake.retrain.threads", () -> "2");
    }

    /** Retraining as configured, except that the held tenant's training waits until the test releases it. */
    @TestConfiguration
    static class HeldRetraining {
        @Bean
        @Primary
        TenantRetrainer heldRetrainer(TemplatePipeline template, ModelRegistry models, NightbakeProperties properties,
                                      Clock clock) {
            Trainer real = Trainers.forSettings(template.algorithmFor(false));
            Trainer held = new Trainer() {
                @Override
                public String algorithm() {
                    return real.algorithm();
                }

                @Override
                public String libraryVersion() {
                    return real.libraryVersion();
                }

                @Override
                public FactorizationMachine train(TenantDataset data, FeatureEncoder encoder, int[] trainRows) {
                    if (data.tenant().value().equals(heldTenant)) {
                        ConsoleBrowserTest.held.countDown();
                        try {
                            release.await(5, TimeUnit.MINUTES);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return real.train(data, encoder, trainRows);
                }
            };
            return new TenantRetrainer(template, held, models, properties.modelsDir(), clock);
        }
    }

    @Autowired
    NightlyLauncher launcher;
    @Autowired
    ApiKeyService keys;
    @Autowired
    ModelRegistry models;
    @Autowired
    TenantRegistry tenants;
    @Autowired
    FleetConsoleService fleet;
    @LocalServerPort
    int port;

    @BeforeAll
    static void startBrowser() {
        boolean ci = System.getenv("CI") != null;
        Assumptions.assumeTrue(ci || Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium and chromium-driver are not installed (.ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + home.resolve("chromium-profile"), "--window-size=1400,1000", "--hide-scrollbars");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        release.countDown();
        if (browser != null) {
            browser.quit();
        }
    }

    private String url(String hash) {
        return "http://127.0.0.1:" + port + "/#" + hash;
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, WAIT, Duration.ofMillis(200));
    }

    private WebElement find(String css) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** The whole page as a PNG in target/, for a reviewer. */
    private void screenshot(String name) throws Exception {
        Number height = (Number) js("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)");
        browser.manage().window().setSize(new Dimension(1400, Math.min(6000, Math.max(1000, height.intValue() + 40))));
        Thread.sleep(300); // let the charts take the new size
        File png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(png.toPath(), Path.of("target", "console-" + name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(1400, 1000));
    }

    private void signIn(String key) {
        browser.get(url("/"));
        js("sessionStorage.clear()");
        browser.navigate().refresh();
        WebElement field = find("#key");
        field.sendKeys(key);
        browser.findElement(By.cssSelector("#key-form button[type=submit]")).click();
    }

    @Test
    @Order(1)
    void theFleetPageShowsTheRunningNightsProgressAdvanceWithoutAReload() throws Exception {
        launcher.run(LocalDate.of(2026, 10, 30));
        operatorKey = keys.createOperatorKey("ops-console", "test").key();
        tenantOneKey = keys.createTenantKey(TenantId.of("tenant-001"), "tenant-001-crm", "test").key();
        Files.write(home.resolve("tenants/tenant-002").resolve(DataContract.INTERACTIONS), new byte[] {1, 2, 3});

        heldTenant = "tenant-003";
        CompletableFuture<?> night = CompletableFuture.runAsync(() -> {
            try {
                launcher.run(LocalDate.of(2026, 10, 31));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(held.await(2, TimeUnit.MINUTES)).as("tenant-003's retraining started").isTrue();

        signIn(operatorKey);
        WebElement progress = find("#progress[data-running=true][data-phase=retrain]");
        int total = Integer.parseInt(progress.getAttribute("data-total"));
        waiting().until(d -> Integer.parseInt(d.findElement(By.id("progress")).getAttribute("data-done")) == total - 1);
        assertThat(total).isEqualTo(4);
        assertThat(find(".fact-done .value").getText()).isEqualTo("3 of 4");
        assertThat(browser.findElement(By.cssSelector(".fact-failures .value")).getText()).isEqualTo("1");
        assertThat(browser.findElement(By.cssSelector(".fact-eta .value")).getText()).isNotEqualTo("\u2013");
        Object pageId = js("return window.performance.timeOrigin");
        screenshot("fleet-running");

        // the page polls: once released, the same page shows the night moving on and ending, with no reload
        release.countDown();
        List<String> seen = new ArrayList<>();
        waiting().until(d -> {
            // one read of the element's state (the page updates it in place between reads); the running flag is part
            // of what is seen: on an idle machine the night may end within one poll
            String state = (String) js("const p = document.getElementById('progress'); return (p.dataset.running === "
                    + "'true' ? '' : 'ended ') + p.dataset.phase + ' ' + p.dataset.done + '/' + p.dataset.total;");
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(state)) {
                seen.add(state);
            }
            return state.startsWith("ended ");
        });
        night.get(2, TimeUnit.MINUTES);
        assertThat(js("return window.performance.timeOrigin")).isEqualTo(pageId);
        assertThat(seen).first().isEqualTo("retrain 3/4");
        assertThat(seen.size()).as("progress seen: %s", seen).isGreaterThan(1);
        assertThat(find("#progress h2").getText()).contains("2026-10-31", "FAILED");
    }

    @Test
    @Order(2)
    void aFailedTenantIsFoundFromTheFleetPageAndRerunFromItsPage() throws Exception {
        browser.get(url("/"));
        WebElement failed = find("#attention-table tr[data-tenant=tenant-002][data-kind=failed]");
        screenshot("fleet");
        failed.findElement(By.cssSelector("a.tenant-link")).click();

        WebElement lastNight = find("#last-night[data-failed=true]");
        assertThat(lastNight.getText()).contains("tenant 'tenant-002'", "interactions.parquet");
        screenshot("tenant-failed");

        // the run page of that night: the failed tenant with its error in full, and a rerun button
        find("#last-night a.run-link").click();
        find("#run-tenants tr[data-tenant=tenant-002][data-status=FAILED]");
        assertThat(browser.findElements(By.id("rerun-run"))).hasSize(1);
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("FAILED");
        assertThat(browser.findElements(By.cssSelector("#run-tenants tr[data-tenant]"))).hasSize(1);
        assertThat(find("#run-tenants tr[data-error-of=tenant-002]").getText()).contains("tenant 'tenant-002'", "interactions.parquet");
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("");
        assertThat(browser.findElements(By.cssSelector("#run-tenants tr[data-tenant]"))).hasSize(4);
        screenshot("run");
        browser.navigate().back();

        // the data is fixed; the rerun needs a reason first
        Files.write(home.resolve("tenants/tenant-002").resolve(DataContract.INTERACTIONS), goodInteractions);
        heldTenant = null;
        find("button[data-action=rerun]").click();
        assertThat(find("#action-result.error").getText()).contains("reason");
        find("#reason").sendKeys("product feed fixed, ticket 1234");
        browser.findElement(By.cssSelector("button[data-action=rerun]")).click();
        // the page follows the rerun until the tenant's partitions completed
        WebElement done = waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#last-night[data-failed=false]")));
        assertThat(done.getText()).doesNotContain("interactions.parquet");
        assertThat(browser.findElements(By.cssSelector("button[data-action=rerun]"))).isEmpty();
        assertThat(models.trainedOn(TenantId.of("tenant-002"), LocalDate.of(2026, 10, 31))).isPresent();
        // the rerun goes on publishing after the tenant's partitions completed: let it end before the next test
        waiting().until(d -> !fleet.overview(1).latestRun().running());
        assertThat(fleet.overview(1).latestRun().status()).isEqualTo("COMPLETED");
        screenshot("tenant");
    }

    @Test
    @Order(3)
    void theTenantsPlotHoldsEveryNightsFigures() throws Exception {
        browser.get(url("/tenants/tenant-001"));
        find("#chart-rmse canvas");
        List<ModelVersion> versions = models.versions(TenantId.of("tenant-001"));
        assertThat(versions).hasSize(2);
        @SuppressWarnings("unchecked")
        List<List<Object>> challenger = (List<List<Object>>) js("return echarts.getInstanceByDom(document.getElementById("
                + "'chart-rmse')).getOption().series.find(s => s.name === 'challenger').data");
        assertThat(challenger).hasSize(versions.size());
        for (int i = 0; i < versions.size(); i++) {
            assertThat(challenger.get(i).get(0)).isEqualTo(versions.get(i).runDate().toString());
            assertThat(((Number) challenger.get(i).get(1)).doubleValue()).isEqualTo(versions.get(i).challengerRmse());
        }
        // the nights a version was compared with its champion, both figures are plotted (a champion is scored only on
        // rows newer than its training cutoff, so a night without them has no champion figure); promotions are marked
        @SuppressWarnings("unchecked")
        List<List<Object>> champion = (List<List<Object>>) js("return echarts.getInstanceByDom(document.getElementById("
                + "'chart-rmse')).getOption().series.find(s => s.name === 'champion').data");
        List<ModelVersion> compared = versions.stream().filter(v -> v.championRmse() != null).toList();
        assertThat(champion).hasSize(compared.size());
        for (int i = 0; i < compared.size(); i++) {
            assertThat(champion.get(i).get(0)).isEqualTo(compared.get(i).runDate().toString());
            assertThat(((Number) champion.get(i).get(1)).doubleValue()).isEqualTo(compared.get(i).championRmse());
        }
        Number marks = (Number) js("return echarts.getInstanceByDom(document.getElementById('chart-rmse')).getOption()"
                + ".series[0].markLine.data.length");
        assertThat(marks.intValue()).isEqualTo(models.championHistory(TenantId.of("tenant-001")).size());
        @SuppressWarnings("unchecked")
        List<Object> popularity = (List<Object>) js("return echarts.getInstanceByDom(document.getElementById("
                + "'chart-ndcg')).getOption().series.find(s => s.name === 'popularity').data");
        assertThat(popularity).hasSize(2);
        // online figures: the feedback loop's answer in TEAM.md's performance contract, handed to the page in place of
        // the 404 it gets while that endpoint is not served, is plotted per model version and tabled
        assertThat(find("#no-feedback").getText()).contains("No feedback yet");
        js("const real = window.fetch;"
                + "const day = (date, v, i, c, p) => ({date, modelVersion: v, snapshotId: 's' + v, arm: 'champion',"
                + " impressions: i, clicks: c, purchases: p, ctr: c / i, ctrLow: 0.01, ctrHigh: 0.2, conversion: p / i,"
                + " conversionLow: 0, conversionHigh: 0.05});"
                + "const answer = {tenant: 'tenant-001', from: '2026-10-01', to: '2026-11-01',"
                + " days: [day('2026-10-30', 1, 200, 10, 2), day('2026-10-31', 2, 400, 24, 4), day('2026-11-01', 2, 300, 21, 3)],"
                + " versions: [Object.assign(day(null, 1, 200, 10, 2), {rmse: 0.85, ndcgAt10: 0.4, popularityNdcgAt10: 0.42}),"
                + "  Object.assign(day(null, 2, 700, 45, 7), {rmse: 0.84, ndcgAt10: 0.44, popularityNdcgAt10: 0.42})]};"
                + "window.fetch = (url, options) => String(url).includes('/performance')"
                + " ? Promise.resolve(new Response(JSON.stringify(answer), {status: 200, headers: {'Content-Type': 'application/json'}}))"
                + " : real(url, options);"
                + "route();");
        find("#chart-online canvas");
        @SuppressWarnings("unchecked")
        List<List<Object>> ctr = (List<List<Object>>) js("return echarts.getInstanceByDom(document.getElementById("
                + "'chart-online')).getOption().series.find(s => s.name === 'CTR v2').data");
        assertThat(ctr).hasSize(2);
        assertThat(ctr.get(0).get(0)).isEqualTo("2026-10-31");
        assertThat(((Number) ctr.get(0).get(1)).doubleValue()).isEqualTo(24 / 400.0);
        assertThat(browser.findElements(By.cssSelector("#versions-online tbody tr"))).hasSize(2);
        assertThat(find("#versions-online").getText()).contains("v2", "6.43 %");
        screenshot("tenant-online");

        // the fleet's nights plot: one bar per night
        browser.get(url("/"));
        find("#chart-nights canvas");
        waiting().until(d -> ((Number) js("var c = echarts.getInstanceByDom(document.getElementById('chart-nights'));"
                + " return c ? c.getOption().series[0].data.length : 0")).intValue() == 2);
    }

    @Test
    @Order(4)
    void anActionNeedsAReasonAndIsAuditedUnderTheKeysName() throws Exception {
        browser.get(url("/tenants/tenant-003"));
        find("button[data-action=freeze]").click();
        assertThat(find("#action-result.error").getText()).contains("reason");
        assertThat(tenants.get(TenantId.of("tenant-003")).state()).isEqualTo(TenantState.ON);

        find("#reason").sendKeys("client asked to keep this model over the holidays");
        browser.findElement(By.cssSelector("button[data-action=freeze]")).click();
        waiting().until(d -> tenants.get(TenantId.of("tenant-003")).state() == TenantState.FROZEN);
        assertThat(find("#tenant-state[data-state=FROZEN]").isDisplayed()).isTrue();
        var last = tenants.history(TenantId.of("tenant-003")).get(tenants.history(TenantId.of("tenant-003")).size() - 1);
        assertThat(last.changedBy()).isEqualTo("ops-console");
        assertThat(last.reason()).isEqualTo("client asked to keep this model over the holidays");
        assertThat(find("#state-history").getText()).contains("client asked to keep this model over the holidays");
    }

    /** The console's Unpin is the API's and the CLI's unpin: it releases the pin and keeps the champion. */
    @Test
    @Order(5)
    void aPinShowsOnTheChampionCardAndUnpinReleasesIt() throws Exception {
        TenantId tenant = TenantId.of("tenant-001");
        browser.get(url("/tenants/tenant-001"));
        assertThat(find("#champion").getText()).doesNotContain("pinned");
        assertThat(browser.findElements(By.cssSelector("button[data-action=unpin]"))).isEmpty();
        find("#reason").sendKeys("keep this version while the client audits it");
        find("button[data-action=pin]").click();
        waiting().until(d -> models.pin(tenant).isPresent());
        int pinned = models.pin(tenant).orElseThrow().version();
        assertThat(find("#pin").getText()).contains("version " + pinned + " by ops-console",
                "keep this version while the client audits it");
        screenshot("tenant-pinned");

        find("#reason").sendKeys("audit finished");
        find("button[data-action=unpin]").click();
        waiting().until(d -> models.pin(tenant).isEmpty());
        waiting().until(d -> d.findElements(By.id("pin")).isEmpty()
                && d.findElements(By.cssSelector("button[data-action=unpin]")).isEmpty());
        assertThat(models.champion(tenant).orElseThrow().version()).as("unpin is not a rollback").isEqualTo(pinned);
    }

    @Test
    @Order(6)
    void aTenantKeySeesOnlyItsOwnTenantWithOnlyTenantActions() throws Exception {
        signIn(tenantOneKey);
        waiting().until(d -> d.getCurrentUrl().endsWith("#/tenants/tenant-001"));
        find("#tenant-state");
        assertThat(browser.findElements(By.cssSelector("button[data-action]")).stream().map(b -> b.getAttribute("data-action")))
                .containsExactlyInAnyOrder("freeze", "off");
        assertThat(find("#chart-rmse canvas").isDisplayed()).isTrue();
        assertThat(find("#no-feedback").getText()).contains("No feedback yet");
        screenshot("tenant-key");

        browser.get(url("/tenants/tenant-002"));
        assertThat(find("#forbidden").getText()).contains("cannot see tenant 'tenant-002'");
        assertThat(browser.findElements(By.id("last-night"))).isEmpty();
        screenshot("tenant-key-forbidden");
        // the fleet page is not for tenant keys either: it goes to the tenant's own page
        browser.get(url("/"));
        waiting().until(d -> d.getCurrentUrl().endsWith("#/tenants/tenant-001"));
        assertThat(browser.findElements(By.id("progress"))).isEmpty();
    }
}
