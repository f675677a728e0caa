package dev.inferq.deploy;

import static org.assertj.core.api.Assertions.assertThat;


import dev.inferq.common.config.InferqProperties;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.model.ModelCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests in {@code deploy/k8s} against the code they deploy: the environment names the services
 * read, their ports and actuator probe paths, and for every model of {@code models/tiny} a KEDA trigger on exactly
 * the topic and consumer group {@link JobNames} gives it, scaling a Deployment that serves that model.
 */
class DeployManifestsTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path K8S = REPO.resolve("deploy/k8s");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");

    private static List<Map<String, Object>> objects;
    private static Map<String, String> settings;
    private static Map<String, String> gatewayPlaceholders;
    private static Map<String, String> workerPlaceholders;

    @BeforeAll
    static void load() throws IOException {
        objects = new ArrayList<>();
        try (Stream<Path> files = Files.walk(K8S.resolve("base"))) {
            files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml"))
                    .sorted()
                    .forEach(f -> documents(f).forEach(objects::add));
        }
        settings = strings(only("ConfigMap", "inferq-settings").get("data"));
        gatewayPlaceholders = placeholders(REPO.resolve("api-gateway/src/main/resources/application.yml"));
        workerPlaceholders = placeholders(REPO.resolve("inference-worker/src/main/resources/application.yml"));
    }

    @Test
    void everyManifestAKustomizationNamesExistsAndIsNamed() throws IOException {
        for (Path kustomization : List.of(K8S.resolve("base/kustomization.yaml"),
                K8S.resolve("overlays/local/kustomization.yaml"))) {
            Map<String, Object> k = documents(kustomization).get(0);
            List<String> referenced = new ArrayList<>(stringList(k.get("resources")));
            for (Object patch : list(k.get("patches"))) {
                Object path = map(patch).get("path");
                if (path != null) {
                    referenced.add(path.toString());
                }
            }
            for (String resource : referenced) {
                assertThat(kustomization.resolveSibling(resource)).as("%s in %s", resource, kustomization).exists();
            }
        }
        try (Stream<Path> files = Files.list(K8S.resolve("base"))) {
            Set<String> listed = new TreeSet<>(stringList(documents(K8S.resolve("base/kustomization.yaml")).get(0)
                    .get("resources")));
            assertThat(listed).containsExactlyInAnyOrderElementsOf(files.map(f -> f.getFileName().toString())
                    .filter(f -> !f.equals("kustomization.yaml")).toList());
        }
        for (Map<String, Object> object : objects) {
            assertThat(object).containsKeys("apiVersion", "kind", "metadata");
            assertThat(map(object.get("metadata")).get("name")).as("name of a %s", object.get("kind")).isNotNull();
        }
    }

    @Test
    void settingsUseTheEnvironmentNamesTheServicesRead() {
        Set<String> read = new TreeSet<>(gatewayPlaceholders.keySet());
        read.addAll(workerPlaceholders.keySet());
        for (String name : settings.keySet()) {
            assertThat(read.contains(name) || isInferqPropertyByRelaxedBinding(name))
                    .as("%s is read by a service: a placeholder of an application.yml or an InferqProperties field",
                            name).isTrue();
        }
        for (Map<String, Object> deployment : ofKind("Deployment")) {
            for (Map<String, Object> container : containers(deployment)) {
                assertThat(stringList(list(container.get("envFrom")).stream()
                        .map(from -> map(map(from).get("configMapRef")).get("name")).toList()))
                        .containsExactly("inferq-settings");
                for (Object env : list(container.get("env"))) {
                    assertThat(read).contains(map(env).get("name").toString());
                }
            }
        }
        assertThat(settings).containsKeys("KAFKA_BOOTSTRAP_SERVERS", "REDIS_HOST", "REDIS_PORT", "MODELS_DIR");
    }

    @Test
    void portsAndProbesAreTheServicesOwn() {
        int gatewayPort = Integer.parseInt(settings.get("GATEWAY_PORT"));
        int workerPort = Integer.parseInt(settings.get("WORKER_PORT"));
        assertThat(gatewayPort).isEqualTo(Integer.parseInt(gatewayPlaceholders.get("GATEWAY_PORT")));
        assertThat(workerPort).isEqualTo(Integer.parseInt(workerPlaceholders.get("WORKER_PORT")));

        for (Map<String, Object> deployment : ofKind("Deployment")) {
            int expected = name(deployment).equals("gateway") ? gatewayPort : workerPort;
            Map<String, Object> container = containers(deployment).get(0);
            Map<String, Object> port = map(list(container.get("ports")).get(0));
            assertThat(port.get("containerPort")).as(name(deployment)).isEqualTo(expected);
            assertThat(map(map(map(deployment.get("spec")).get("template")).get("metadata")).get("annotations"))
                    .asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("prometheus.io/path", "/actuator/prometheus")
                    .containsEntry("prometheus.io/port", Integer.toString(expected));
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
                assertThat(get.get("port")).as("%s %s", name(deployment), probe).isEqualTo(port.get("name"));
                assertThat(get.get("path")).as("%s %s", name(deployment), probe).isEqualTo(
                        probe.equals("readinessProbe") ? "/actuator/health/readiness" : "/actuator/health/liveness");
            }
        }
        Map<String, Object> service = only("Service", "gateway");
        Map<String, Object> servicePort = map(list(map(service.get("spec")).get("ports")).get(0));
        assertThat(servicePort.get("targetPort")).isEqualTo("http");
        assertThat(map(service.get("spec")).get("selector")).isEqualTo(podLabels(only("Deployment", "gateway")));
    }

    @Test
    void everyModelScalesOnItsOwnTopicAndConsumerGroup() {
        ModelCatalog catalog = ModelCatalog.scan(REPO.resolve("models/tiny"));
        int partitions = Integer.parseInt(settings.get("INFERQ_TOPIC_PARTITIONS"));
        Map<String, String> scaledBy = new TreeMap<>();

        for (Map<String, Object> scaledObject : ofKind("ScaledObject")) {
            Map<String, Object> spec = map(scaledObject.get("spec"));
            Map<String, Object> target = only("Deployment", map(spec.get("scaleTargetRef")).get("name").toString());
            List<String> served = Arrays.asList(env(containers(target).get(0), "WORKER_MODELS").split(","));
            int min = (Integer) spec.get("minReplicaCount");
            int max = (Integer) spec.get("maxReplicaCount");
            assertThat(max).as("max replicas of %s", name(scaledObject)).isBetween(Math.max(1, min), partitions);

            Set<String> triggered = new TreeSet<>();
            for (Object trigger : list(spec.get("triggers"))) {
                assertThat(map(trigger).get("type")).isEqualTo("kafka");
                Map<String, String> metadata = strings(map(trigger).get("metadata"));
                String model = metadata.get("topic").substring(JobNames.topic("").length());
                assertThat(metadata.get("topic")).isEqualTo(JobNames.topic(model));
                assertThat(metadata.get("consumerGroup")).isEqualTo(JobNames.consumerGroup(model));
                assertThat(Integer.parseInt(metadata.get("lagThreshold"))).isPositive();
                assertThat(Integer.parseInt(metadata.get("activationLagThreshold"))).isNotNegative();
                assertThat(settings).containsKey(metadata.get("bootstrapServersFromEnv"));
                assertThat(scaledBy.put(model, name(scaledObject))).as("a second trigger for %s", model).isNull();
                triggered.add(model);
            }
            assertThat(triggered).as("the models %s serves", name(target))
                    .containsExactlyInAnyOrderElementsOf(served);
        }
        assertThat(scaledBy.keySet()).containsExactlyInAnyOrderElementsOf(catalog.names());
        assertThat(map(only("ScaledObject", "image-worker").get("spec")).get("minReplicaCount")).isEqualTo(0);
    }

    @Test
    void podsRunAsNonRootWithResourcesAndDisruptionBudgets() {
        List<Map<String, Object>> budgets = ofKind("PodDisruptionBudget");
        for (Map<String, Object> deployment : ofKind("Deployment")) {
            Map<String, Object> pod = map(map(map(deployment.get("spec")).get("template")).get("spec"));
            assertThat(map(pod.get("securityContext")).get("runAsNonRoot")).isEqualTo(true);
            assertThat((Integer) map(pod.get("securityContext")).get("runAsUser")).isPositive();
            for (Map<String, Object> container : containers(deployment)) {
                Map<String, Object> security = map(container.get("securityContext"));
                assertThat(security.get("allowPrivilegeEscalation")).isEqualTo(false);
                assertThat(security.get("readOnlyRootFilesystem")).isEqualTo(true);
                Map<String, Object> resources = map(container.get("resources"));
                assertThat(map(resources.get("requests"))).containsKeys("cpu", "memory");
                assertThat(map(resources.get("limits"))).containsKey("memory");
            }
            assertThat(budgets).as("a PodDisruptionBudget for %s", name(deployment)).anySatisfy(budget ->
                    assertThat(map(map(budget.get("spec")).get("selector")).get("matchLabels"))
                            .isEqualTo(podLabels(deployment)));
        }
        Map<String, Object> hpa = only("HorizontalPodAutoscaler", "gateway");
        assertThat(map(map(hpa.get("spec")).get("scaleTargetRef")).get("name")).isEqualTo("gateway");
        assertThat(map(list(map(hpa.get("spec")).get("metrics")).get(0)).get("resource").toString()).contains("cpu");
    }

    /** {@code INFERQ_TOPIC_PARTITIONS} binds {@code inferq.topic-partitions}, a component of InferqProperties. */
    private static boolean isInferqPropertyByRelaxedBinding(String env) {
        String prefix = "INFERQ_";
        if (!env.startsWith(prefix)) {
            return false;
        }
        String uniform = env.substring(prefix.length()).replace("_", "").toLowerCase(Locale.ROOT);
        return Arrays.stream(InferqProperties.class.getRecordComponents())
                .anyMatch(c -> c.getName().toLowerCase(Locale.ROOT).equals(uniform));
    }

    /** Environment placeholders ({@code ${NAME:default}}) of an application.yml, with their defaults. */
    private static Map<String, String> placeholders(Path yml) throws IOException {
        Map<String, String> found = new TreeMap<>();
        Matcher m = PLACEHOLDER.matcher(Files.readString(yml));
        while (m.find()) {
            found.put(m.group(1), m.group(2));
        }
        return found;
    }

    private static List<Map<String, Object>> documents(Path file) {
        try {
            List<Map<String, Object>> documents = new ArrayList<>();
            for (Object document : new Yaml().loadAll(Files.readString(file))) {
                if (document != null) {
                    documents.add(map(document));
                }
            }
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Map<String, Object>> ofKind(String kind) {
        List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        assertThat(found).as("%s objects", kind).isNotEmpty();
        return found;
    }

    private static Map<String, Object> only(String kind, String name) {
        List<Map<String, Object>> found = ofKind(kind).stream().filter(o -> name.equals(name(o))).toList();
        assertThat(found).as("%s %s", kind, name).hasSize(1);
        return found.get(0);
    }

    private static String name(Map<String, Object> object) {
        return map(object.get("metadata")).get("name").toString();
    }

    private static Object podLabels(Map<String, Object> deployment) {
        return map(map(map(deployment.get("spec")).get("template")).get("metadata")).get("labels");
    }

    private static List<Map<String, Object>> containers(Map<String, Object> deployment) {
        return list(map(map(map(deployment.get("spec")).get("template")).get("spec")).get("containers")).stream()
                .map(DeployManifestsTest::map).toList();
    }

    private static String env(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().map(DeployManifestsTest::map)
                .filter(e -> name.equals(e.get("name"))).map(e -> e.get("value").toString())
                .findFirst().orElseThrow(() -> new AssertionError(name + " is not set on " + container.get("name")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static List<?> list(Object value) {
        return value == null ? List.of() : (List<?>) value;
    }

    private static List<String> stringList(Object value) {
        return list(value).stream().map(Objects::toString).toList();
    }

    private static Map<String, String> strings(Object value) {
        return map(value).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }
}
