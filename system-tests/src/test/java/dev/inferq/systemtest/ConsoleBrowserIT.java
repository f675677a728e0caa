package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.inferq.testsupport.TestImages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) against the
 * packaged gateway and a real worker ({@link SharedPlatform}). No worker serves its parked model, so that a job of
 * that model stays QUEUED until the console cancels it. A screenshot of each test's last page goes to {@code target/console/};
 * {@code finished-job.png} shows a finished text job.
 */
@Timeout(300)
@EnabledIf(value = "browserInstalled", disabledReason = "needs /usr/bin/chromium and /usr/bin/chromedriver"
        + " (Debian: apt-get install chromium chromium-driver)")
class ConsoleBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = PlatformProcesses.REPO.resolve("system-tests/target/console");
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED");
    private static final Set<String> ACTIONS = Set.of("calling", "clapping", "cycling", "dancing", "drinking",
            "eating", "fighting", "hugging", "laughing", "listening_to_music", "running", "sitting", "sleeping",
            "texting", "using_laptop");

    private static SharedPlatform platform;

    private Path profile;
    private ChromeDriver browser;

    static boolean browserInstalled() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    @BeforeAll
    static void startPlatform() throws IOException {
        Files.createDirectories(SCREENSHOTS);
        platform = SharedPlatform.get();
    }

    @BeforeEach
    void openBrowser() throws IOException {
        profile = Files.createTempDirectory("inferq-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,1500");
        // A driver service of its own: quitting a browser also stops the chromedriver it was started through.
        // Naming the driver executable keeps Selenium Manager (which would try to download one) out of the way.
        ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver.log").toFile())
                .build();
        browser = new ChromeDriver(driver, options);
    }

    @AfterEach
    void closeBrowser(TestInfo test) throws IOException {
        try {
            if (browser != null) {
                try {
                    screenshot(test.getTestMethod().orElseThrow().getName() + ".png");
                } finally {
                    browser.quit();
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void aBrowserOpeningTheRootGetsTheConsoleWhileJsonClientsGetTheStatus() throws Exception {
        browser.get(platform.gatewayUrl() + "/");

        wait(Duration.ofSeconds(10)).until(ExpectedConditions.urlToBe(platform.gatewayUrl() + "/console/"));
        assertThat(browser.getTitle()).isEqualTo("inferq console");

        HttpResponse<String> json = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/")).header("Accept", "*/*").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).isEqualTo("{\"Status\":\"Running\"}");
    }

    @Test
    void aTextIsClassifiedAndItsLabelShownThenReopenedFromTheRecentJobs() throws IOException {
        openConsole();
        chooseModel("sentiment");
        assertThat(text(By.id("model-labels"))).contains("negative", "positive");
        wait(Duration.ofSeconds(30)).until(ExpectedConditions.textToBe(By.id("live-workers"), "1"));

        browser.findElement(By.id("texts")).sendKeys("I loved this film\nworst film ever");
        browser.findElement(By.id("submit")).click();

        assertThat(awaitTerminalStatus()).isEqualTo("SUCCEEDED");
        List<WebElement> predictions = browser.findElements(By.cssSelector("#results .prediction"));
        assertThat(predictions).hasSize(2);
        WebElement first = predictions.get(0);
        assertThat(first.findElement(By.className("caption")).getText()).isEqualTo("I loved this film");
        assertThat(first.findElement(By.className("predicted-label")).getText()).isEqualTo("positive");
        assertThat(first.findElements(By.className("score-label"))).extracting(WebElement::getText)
                .containsExactlyInAnyOrder("negative", "positive");
        assertThat(predictions.get(1).findElement(By.className("caption")).getText()).isEqualTo("worst film ever");
        screenshot("finished-job.png");

        String id = text(By.id("job-id"));
        browser.navigate().to(platform.gatewayUrl() + "/console");
        WebElement recent = wait(Duration.ofSeconds(10)).until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#recent-jobs button[data-job-id='" + id + "']")));
        assertThat(recent.getText()).contains("SUCCEEDED", "sentiment", "I loved this film");
        recent.click();

        assertThat(awaitTerminalStatus()).isEqualTo("SUCCEEDED");
        assertThat(text(By.id("job-id"))).isEqualTo(id);
        assertThat(text(By.cssSelector("#results .predicted-label"))).isEqualTo("positive");
    }

    @Test
    void anUploadedImageGetsItsTopFiveLabels() throws IOException {
        Path image = Files.createTempFile("console-upload-", ".png");
        try {
            Files.write(image, TestImages.png(320, 240));
            openConsole();
            chooseModel("image");

            browser.findElement(By.id("file")).sendKeys(image.toString());
            browser.findElement(By.id("submit")).click();

            assertThat(awaitTerminalStatus()).isEqualTo("SUCCEEDED");
            WebElement prediction = browser.findElement(By.cssSelector("#results .prediction"));
            assertThat(prediction.findElement(By.className("caption")).getText())
                    .isEqualTo(image.getFileName().toString());
            assertThat(prediction.findElement(By.className("predicted-label")).getText()).isIn(ACTIONS);
            List<String> labels = prediction.findElements(By.className("score-label")).stream()
                    .map(WebElement::getText).toList();
            assertThat(labels).hasSize(5).doesNotHaveDuplicates().isSubsetOf(ACTIONS);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    @Test
    void aQueuedJobIsCancelled() {
        openConsole();
        chooseModel(SharedPlatform.PARKED_MODEL);
        browser.findElement(By.id("texts")).sendKeys("Forest fire near La Ronge Sask. Canada");
        browser.findElement(By.id("submit")).click();

        wait(Duration.ofSeconds(20)).until(ExpectedConditions.textToBe(By.id("job-status"), "QUEUED"));
        assertThat(text(By.id("job-queue"))).isNotBlank();
        browser.findElement(By.id("cancel")).click();

        assertThat(awaitTerminalStatus()).isEqualTo("CANCELLED");
        assertThat(text(By.id("job-error"))).isEqualTo("cancelled by the client");
        assertThat(browser.findElement(By.id("cancel")).isDisplayed()).isFalse();
        String id = text(By.id("job-id"));
        wait(Duration.ofSeconds(5)).until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#recent-jobs button[data-job-id='" + id + "']"), "CANCELLED"));
    }

    @Test
    void aRefusedSubmitShowsTheProblemBody() {
        openConsole();
        chooseModel("image");
        browser.findElement(By.id("url")).sendKeys("http://169.254.169.254/latest/meta-data/photo.jpg");
        browser.findElement(By.id("submit")).click();

        WebElement problem = wait(Duration.ofSeconds(20))
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("problem")));
        assertThat(problem.findElement(By.id("problem-title")).getText()).startsWith("422");
        assertThat(problem.findElement(By.id("problem-detail")).getText()).isNotBlank();
        assertThat(browser.findElement(By.id("job-panel")).isDisplayed()).isFalse();
    }

    private void openConsole() {
        browser.get(platform.gatewayUrl() + "/console/");
        wait(Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(By.id("model")));
    }

    private void chooseModel(String name) {
        new Select(browser.findElement(By.id("model"))).selectByValue(name);
        wait(Duration.ofSeconds(5)).until(ExpectedConditions.textToBe(By.id("model-task"),
                name.equals("image") ? "image-classification" : "text-classification"));
    }

    /** Waits for the job on show to end (from its event stream) and returns the status the page shows. */
    private String awaitTerminalStatus() {
        return wait(Duration.ofSeconds(90)).until(driver -> {
            String status = driver.findElement(By.id("job-status")).getText();
            return TERMINAL.contains(status) ? status : null;
        });
    }

    private String text(By locator) {
        return browser.findElement(locator).getText();
    }

    private WebDriverWait wait(Duration timeout) {
        return new WebDriverWait(browser, timeout);
    }

    private void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
    }
}
