package dev.inferq.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.inferq.client.InferqClient;
import dev.inferq.contract.JobCodec;
import dev.inferq.contract.JobId;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import dev.inferq.launcher.ManagedProcess;
import dev.inferq.testsupport.RealInfrastructure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The image path on real weights: torchvision's pretrained MobileNetV2 from {@code ../shared/data/models/mobilenet_v2}
 * (never copied into the repository) is imported by {@code models/import_image_model.py} into a folder under
 * target/, served beside the tiny models ({@code MODELS_DIR=models/tiny:<that folder>}), and the shared photos, sent
 * to the gateway by upload, raw body and URL and to the legacy image route, must get their labels in
 * {@code ../shared/data/SOURCES.md}. A swapped colour channel, a wrong mean, a stretched instead of cropped picture or
 * a shifted label order fails here. Skipped, saying why, where the shared model, labels or photos are absent or
 * /usr/bin/python3 has no torch.
 */
@Timeout(300)
class RealImageModelIT {

    private static final Path SHARED = PlatformProcesses.REPO.resolve("../shared/data").normalize();
    private static final Path FLOAT_MODEL = SHARED.resolve("models/mobilenet_v2/mobilenet_v2_float.pt");
    private static final Path QUANTIZED_MODEL = SHARED.resolve("models/mobilenet_v2/mobilenet_quantized.pt");
    private static final Path LABELS = SHARED.resolve("imagenet/labels.txt");
    private static final Path PHOTOS = SHARED.resolve("images");
    private static final Path ROOT = PlatformProcesses.REPO.resolve("system-tests/target/real-image-model");
    private static final String MODEL = "imagenet";
    private static final String IMPORTER = PlatformProcesses.REPO.resolve("models/import_image_model.py").toString();
    private static final Path QUANTIZED_OUT = ROOT.resolve("quantized/" + MODEL + "_quantized");
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** SOURCES.md's labels: photo -> the labels its top-1 may be (the mug is near-tied between two). */
    private static final Map<String, Set<String>> EXPECTED = Map.of(
            "dog_labrador.jpg", Set.of("Labrador retriever"),
            "dog_brittany.jpg", Set.of("Brittany spaniel"),
            "dogs_beagles.jpg", Set.of("beagle"),
            "crocodile.jpg", Set.of("African crocodile"),
            "camera_gray.png", Set.of("tripod"),
            "coffee_mug.jpg", Set.of("cup", "coffee mug"));

    private static PlatformProcesses platform;
    private static ManagedProcess worker;
    private static HttpServer photos;
    private static InferqClient client;
    private static CompletableFuture<Python> quantized;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        for (Path needed : List.of(FLOAT_MODEL, LABELS, PHOTOS)) {
            assumeTrue(Files.exists(needed), "no " + needed + ": the real image model's test needs the shared data");
        }
        assumeTrue(python("-c", "import torch, PIL").exit() == 0,
                "/usr/bin/python3 has no torch or Pillow (apt-get install -y python3-torch python3-pil)");
        // No variants: their gate on real photos is the importer's and the worker's own tests' business
        // (RealImageVariantsIT); here one import of a few seconds keeps the class short. Both imports run while the
        // broker and Redis start.
        CompletableFuture<Python> imported = pythonAsync(IMPORTER, "--torchscript", FLOAT_MODEL.toString(),
                "--labels", LABELS.toString(), "--name", MODEL, "--out", ROOT.resolve("models/" + MODEL).toString(),
                "--no-variants", "--source", "torchvision MobileNetV2, shared/data/models/mobilenet_v2");
        if (Files.exists(QUANTIZED_MODEL)) {
            quantized = pythonAsync(IMPORTER, "--torchscript", QUANTIZED_MODEL.toString(), "--labels",
                    LABELS.toString(), "--name", MODEL + "_quantized", "--out", QUANTIZED_OUT.toString());
        }
        Map<String, String> env = new HashMap<>(RealInfrastructure.shared().environment());
        assertThat(imported.get().exit()).as("import_image_model.py failed:%n%s", imported.get().output()).isZero();

        photos = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        photos.createContext("/", exchange -> {
            Path photo = PHOTOS.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            byte[] bytes = photo.startsWith(PHOTOS) && Files.isRegularFile(photo) ? Files.readAllBytes(photo) : null;
            exchange.getResponseHeaders().add("Content-Type", contentType(photo.toString()));
            exchange.sendResponseHeaders(bytes == null ? 404 : 200, bytes == null ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (bytes != null) {
                    out.write(bytes);
                }
            }
        });
        photos.start();

        // the legacy image route in front of the imported model rather than the tiny ViT
        env.put("INFERQ_GATEWAY_SEED_IMAGE_MODEL", MODEL);
        platform = new PlatformProcesses("real-image-model", env,
                PlatformProcesses.REPO.resolve("models/tiny") + ":" + ROOT.resolve("models"));
        worker = platform.startWorker("worker", List.of(MODEL));
        client = InferqClient.create(URI.create(platform.gatewayUrl()));
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.stop(Duration.ofSeconds(20));
        }
        if (platform != null) {
            platform.close();
        }
        if (photos != null) {
            photos.stop(0);
        }
    }

    @Test
    void theGatewayServesTheTinyModelsAndTheImportedOneSideBySide() throws Exception {
        JsonNode models = get("/v1/models").path("models");
        List<String> names = new ArrayList<>();
        models.forEach(m -> names.add(m.path("name").asString()));
        assertThat(names).contains("disaster", "sentiment", "image", MODEL);
        JsonNode imagenet = get("/v1/models/" + MODEL);
        assertThat(imagenet.path("card").path("weights").asString()).isEqualTo("imported");
        assertThat(imagenet.path("labels")).hasSize(1000);
        // The worker's choice, shown as for any model: imported without variants, float32 is the only candidate.
        await().atMost(WAIT).untilAsserted(() -> assertThat(servingWorkers()).singleElement().satisfies(w -> {
            assertThat(w.path("variant").asString()).isEqualTo(MODEL);
            assertThat(w.path("selection").asString()).isEqualTo("only");
        }));
    }

    private List<JsonNode> servingWorkers() throws Exception {
        List<JsonNode> workers = new ArrayList<>();
        get("/v1/models").path("models").forEach(m -> {
            if (m.path("name").asString().equals(MODEL)) {
                m.path("workers").forEach(workers::add);
            }
        });
        return workers;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dog_labrador.jpg", "dog_brittany.jpg", "dogs_beagles.jpg", "crocodile.jpg",
        "camera_gray.png", "coffee_mug.jpg"})
    void eachPhotoGetsItsLabelByUploadRawBodyAndUrl(String photo) throws Exception {
        byte[] bytes = Files.readAllBytes(PHOTOS.resolve(photo));

        List<Prediction> answers = List.of(
                succeeded(client.await(upload(photo, bytes), WAIT)),
                succeeded(client.classify(MODEL, bytes, contentType(photo), WAIT)),
                succeeded(client.classify(MODEL, photoUrl(photo), WAIT)));

        for (Prediction prediction : answers) {
            assertTopLabel(photo, prediction.label(), prediction.scores().stream()
                    .map(Prediction.LabelScore::label).toList());
        }
        System.out.printf("real image model: %s -> %s %.2f%n", photo, answers.get(0).label(),
                answers.get(0).score());
    }

    @Test
    void theLegacyImageRouteGivesTheSameLabels() throws Exception {
        for (String photo : EXPECTED.keySet()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(platform.gatewayUrl() + "/api/v1/image_classification"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(JobCodec.mapper().writeValueAsString(
                            Map.of("user_id", "7", "url", List.of(photoUrl(photo).toString()))))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            List<String> labels = new ArrayList<>();
            JobCodec.mapper().readTree(response.body()).path("label").forEach(l -> labels.add(l.asString()));
            assertTopLabel(photo, labels.get(0), labels);
        }
    }

    @Test
    void theQuantizedOriginalImportsAsABatchOfOneModel() throws Exception {
        assumeTrue(quantized != null, "no " + QUANTIZED_MODEL);
        assertThat(quantized.get().exit()).as("import_image_model.py failed:%n%s", quantized.get().output()).isZero();
        String serving = Files.readString(QUANTIZED_OUT.resolve("serving.properties"));
        // its trace fixes reshape(x, [1, -1]): batch size 1, and no variants of an already quantised graph
        assertThat(serving).contains("batchSize=1").doesNotContain("variants=");
    }

    /** photo's top label is one SOURCES.md gives it; for the near-tied mug, both labels are its best two. */
    private static void assertTopLabel(String photo, String top, List<String> ranked) {
        Set<String> expected = EXPECTED.get(photo);
        assertThat(top).as("%s: ranked %s", photo, ranked).isIn(expected);
        assertThat(ranked.subList(0, expected.size())).as("%s: ranked %s", photo, ranked)
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    private static Prediction succeeded(JobRecord job) {
        assertThat(job.status()).as("%s", job).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.predictions()).hasSize(1);
        return job.predictions().get(0);
    }

    /** A multipart upload, form field "file", as a browser or curl -F sends it. */
    private JobId upload(String photo, byte[] bytes) throws Exception {
        String boundary = "inferq-" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + photo
                + "\"\r\nContent-Type: " + contentType(photo) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + bytes.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(bytes, 0, body, head.length, bytes.length);
        System.arraycopy(tail, 0, body, head.length + bytes.length, tail.length);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(platform.gatewayUrl() + "/v1/models/" + MODEL + "/jobs"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return new JobId(JobCodec.mapper().readTree(response.body()).path("id").asString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JobCodec.mapper().readTree(response.body());
    }

    private static URI photoUrl(String photo) {
        return URI.create("http://127.0.0.1:" + photos.getAddress().getPort() + "/" + photo);
    }

    private static String contentType(String file) {
        return file.endsWith(".png") ? "image/png" : "image/jpeg";
    }

    private record Python(int exit, String output) {
    }

    private static CompletableFuture<Python> pythonAsync(String... args) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return python(args);
            } catch (IOException | InterruptedException e) {
                return new Python(-1, e.toString());
            }
        });
    }

    /** Runs /usr/bin/python3 with {@code args}. */
    private static Python python(String... args) throws IOException, InterruptedException {
        Files.createDirectories(ROOT);
        Path log = Files.createTempFile(ROOT, "python", ".log");
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3"));
        command.addAll(List.of(args));
        if (!Files.isExecutable(Path.of(command.get(0)))) {
            return new Python(-1, "no /usr/bin/python3");
        }
        // output to a file: a pipe nobody reads while waiting could fill up and stall the interpreter
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // a bound, not a sync: the import takes seconds; a hung interpreter must fail the test, not hang the build
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Python(-1, "timed out: " + command);
        }
        Python result = new Python(process.exitValue(), Files.readString(log));
        Files.delete(log);
        return result;
    }
}
