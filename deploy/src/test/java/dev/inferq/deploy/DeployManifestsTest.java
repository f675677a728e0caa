package dev.inferq.deploy;

import static org.assertj.core.api.Assertions.assertThat;


import dev.inferq.common.config.InferqProperties;
import dev.inferq.common.job.JobNames;
import dev.inferq.common.model.ModelCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests in {@code deploy/k8s} against the code they deploy: the environment names the services
 * read, their ports and actuator probe paths, and for every model of {@code models/tiny} a KEDA trigger on exactly
 * the topic and consumer group {@link JobNames} gives it, scaling a Deployment that serves that model. The files are
 * read as the base and components list them; {@link #everyOverlayRendersAndComesUp} renders every overlay with
 * {@code kubectl kustomize} (skipped, saying why, without a kubectl whose kustomize is v4 or newer).
 */
class DeployManifestsTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path K8S = REPO.resolve("deploy/k8s");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    /** Where the models image (deploy/k8s/models.Dockerfile) holds the models folder. */
    private static final String MODELS_IMAGE_DIR = "/models";
    /** The images the README has built and loaded into kind or minikube. */
    private static final List<String> LOCAL_IMAGES =
            List.of("inferq/api-gateway:local", "inferq/inference-worker:local", "inferq/models:local");
    /** What components/dev adds, pulled from Docker Hub by the cluster (the images docker-compose.yml uses). */
    private static final List<String> DEV_IMAGES = List.of("apache/kafka:4.1.2", "redis:7-alpine");

    private static List<Map<String, Object>> objects;
    private static Map<String, String> settings;
    private static Map<String, String> gatewayPlaceholders;
    private static Map<String, String> workerPlaceholders;

    @BeforeAll
    static void load() throws IOException {
        objects = new ArrayList<>();
        List<Path> folders = new ArrayList<>(List.of(K8S.resolve("base")));
        folders.addAll(subfolders(K8S.resolve("components")));
        for (Path folder : folders) {
            for (String resource : stringList(kustomization(folder).get("resources"))) {
                objects.addAll(documents(folder.resolve(resource)));
            }
        }
        settings = strings(only("ConfigMap", "inferq-settings").get("data"));
        gatewayPlaceholders = placeholders(REPO.resolve("api-gateway/src/main/resources/application.yml"));
        workerPlaceholders = placeholders(REPO.resolve("inference-worker/src/main/resources/application.yml"));
    }

    @Test
    void everyManifestAKustomizationNamesExistsAndIsNamed() throws IOException {
        List<Path> overlays = subfolders(K8S.resolve("overlays"));
        List<Path> components = subfolders(K8S.resolve("components"));
        assertThat(overlays).extracting(p -> p.getFileName().toString())
                .contains("local", "local-keda", "cluster");
        assertThat(components).extracting(p -> p.getFileName().toString())
                .contains("dev", "keda", "cpu-autoscaling");
        List<Path> folders = new ArrayList<>(List.of(K8S.resolve("base")));
        folders.addAll(components);
        folders.addAll(overlays);
        for (Path folder : folders) {
            Map<String, Object> k = kustomization(folder);
            boolean component = components.contains(folder);
            assertThat(k.get("kind")).as(folder.toString()).isEqualTo(component ? "Component" : "Kustomization");
            List<String> referenced = new ArrayList<>(stringList(k.get("resources")));
            referenced.addAll(stringList(k.get("components")));
            List<String> patches = new ArrayList<>();
            for (Object patch : list(k.get("patches"))) {
                Object path = map(patch).get("path");
                if (path != null) {
                    patches.add(path.toString());
                }
            }
            referenced.addAll(patches);
            for (String resource : referenced) {
                assertThat(folder.resolve(resource)).as("%s in %s", resource, folder).exists();
            }
            for (String other : stringList(k.get("components"))) {
                assertThat(components).as("%s in %s", other, folder).contains(folder.resolve(other).normalize());
            }
            if (!overlays.contains(folder)) {
                // Base and components: every file in the folder is used, so none lies around forgotten.
                try (Stream<Path> files = Files.list(folder)) {
                    Set<String> used = new TreeSet<>(stringList(k.get("resources")));
                    used.addAll(patches);
                    assertThat(used).as(folder.toString()).containsExactlyInAnyOrderElementsOf(files
                            .map(f -> f.getFileName().toString()).filter(f -> !f.equals("kustomization.yaml"))
                            .toList());
                }
            }
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

    @Test
    void modelsComeFromTheModelsImageIntoEachPodNotFromASharedVolume() throws IOException {
        assertThat(objects).noneSatisfy(o -> assertThat(o.get("kind")).isEqualTo("PersistentVolumeClaim"));
        String dockerfile = Files.readString(K8S.resolve("models.Dockerfile"));
        assertThat(dockerfile).contains("COPY . " + MODELS_IMAGE_DIR + "/");
        for (Map<String, Object> deployment : ofKind("Deployment")) {
            Map<String, Object> pod = map(map(map(deployment.get("spec")).get("template")).get("spec"));
            Map<String, Object> volume = list(pod.get("volumes")).stream().map(DeployManifestsTest::map)
                    .filter(v -> "models".equals(v.get("name"))).findFirst().orElseThrow();
            assertThat(volume).as("the models volume of %s", name(deployment)).containsKey("emptyDir")
                    .doesNotContainKeys("persistentVolumeClaim", "hostPath");
            List<Map<String, Object>> init = list(pod.get("initContainers")).stream().map(DeployManifestsTest::map)
                    .toList();
            assertThat(init).as("init containers of %s", name(deployment)).hasSize(1);
            Map<String, Object> copy = init.get(0);
            assertThat(copy.get("image")).isEqualTo("inferq/models:local");
            String target = mountPath(copy, "models");
            assertThat(stringList(copy.get("command"))).containsExactly("cp", "-R", MODELS_IMAGE_DIR + "/.",
                    target + "/");
            assertThat(map(copy.get("securityContext")).get("allowPrivilegeEscalation")).isEqualTo(false);
            assertThat(map(map(copy.get("resources")).get("limits"))).containsKey("memory");
            assertThat(mountPath(containers(deployment).get(0), "models")).isEqualTo(settings.get("MODELS_DIR"));
        }
    }

    @Test
    void theDevelopmentComponentRunsPersistentKafkaAndRedisWhereTheSettingsPointTheServices() {
        String[] kafkaAddress = settings.get("KAFKA_BOOTSTRAP_SERVERS").split(":");
        Map<String, Object> kafka = only("StatefulSet", kafkaAddress[0]);
        Map<String, Object> redis = only("StatefulSet", settings.get("REDIS_HOST"));
        servedAt(kafka, kafkaAddress[0], Integer.parseInt(kafkaAddress[1]));
        servedAt(redis, settings.get("REDIS_HOST"), Integer.parseInt(settings.get("REDIS_PORT")));
        for (Map<String, Object> set : List.of(kafka, redis)) {
            Map<String, Object> spec = map(set.get("spec"));
            assertThat(spec.get("replicas")).isEqualTo(1);
            List<?> claims = list(spec.get("volumeClaimTemplates"));
            assertThat(claims).as("claims of %s", name(set)).hasSize(1);
            Map<String, Object> claim = map(claims.get(0));
            assertThat(stringList(map(claim.get("spec")).get("accessModes"))).containsExactly("ReadWriteOnce");
            String claimName = map(claim.get("metadata")).get("name").toString();
            assertThat(mountPath(containers(set).get(0), claimName)).as("%s mounts its claim", name(set)).isNotNull();
        }
        Map<String, Object> broker = containers(kafka).get(0);
        assertThat(env(broker, "KAFKA_ADVERTISED_LISTENERS"))
                .isEqualTo("PLAINTEXT://" + settings.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertThat(env(broker, "KAFKA_NUM_PARTITIONS")).isEqualTo(settings.get("INFERQ_TOPIC_PARTITIONS"));
        assertThat(stringList(containers(redis).get(0).get("command")))
                .containsSequence("--appendonly", "yes", "--appendfsync", "always")
                .containsSequence("--maxmemory-policy", "noeviction")
                .contains("--maxmemory");
        assertThat(env(broker, "KAFKA_DEFAULT_REPLICATION_FACTOR")).as("one broker").isEqualTo("1");
        assertThat(settings.get("INFERQ_TOPIC_REPLICAS")).as("the base's job topic replicas").isEqualTo("3");
        assertThat(strings(documents(K8S.resolve("components/dev/single-broker.yaml")).get(0).get("data")))
                .as("components/dev's job topic replicas, for its one broker")
                .containsEntry("INFERQ_TOPIC_REPLICAS", "1");
    }

    /**
     * Every overlay as {@code kubectl kustomize} renders it, the way {@code kubectl apply -k} would send it: in its
     * namespace, every worker scaled by exactly one autoscaler, every ConfigMap and Secret a pod reads present (the
     * overlays without components/dev expect the hand-made {@code inferq-auth}), only the images the README loads
     * into kind or minikube, and no claim but the ReadWriteOnce ones of Kafka and Redis.
     */
    @Test
    void everyOverlayRendersAndComesUp() throws IOException, InterruptedException {
        String kubectl = kubectlWithKustomize();
        List<Path> targets = new ArrayList<>(List.of(K8S.resolve("base")));
        targets.addAll(subfolders(K8S.resolve("overlays")));
        for (Path target : targets) {
            String rendered = run(List.of(kubectl, "kustomize", target.toString()));
            List<Map<String, Object>> all = new ArrayList<>();
            for (Object document : new Yaml().loadAll(rendered)) {
                if (document != null) {
                    all.add(map(document));
                }
            }
            String what = "kubectl kustomize " + REPO.relativize(target);
            System.out.printf("%s: %d objects %s%n", what, all.size(), all.stream().map(o -> o.get("kind") + "/"
                    + name(o)).toList());
            assertThat(rendered).as(what).doesNotContain("ReadOnlyMany", "hostPath");
            if (target.endsWith("base")) {
                continue;
            }
            boolean dev = stringList(kustomization(target).get("components")).stream()
                    .anyMatch(c -> c.endsWith("components/dev"));
            Map<String, Object> renderedSettings = all.stream().filter(o -> "ConfigMap".equals(o.get("kind"))
                    && name(o).startsWith("inferq-settings")).findFirst().orElseThrow();
            assertThat(strings(renderedSettings.get("data")).get("INFERQ_TOPIC_REPLICAS"))
                    .as("%s: job topic replicas (one broker in components/dev)", what).isEqualTo(dev ? "1" : "3");
            Set<String> present = new TreeSet<>();
            for (Map<String, Object> o : all) {
                present.add(o.get("kind") + "/" + name(o));
                if (!"Namespace".equals(o.get("kind"))) {
                    assertThat(map(o.get("metadata")).get("namespace")).as("%s: namespace of %s", what, name(o))
                            .isEqualTo("inferq");
                }
            }
            Set<String> images = new TreeSet<>();
            for (Map<String, Object> o : all) {
                if (!List.of("Deployment", "StatefulSet").contains(o.get("kind"))) {
                    continue;
                }
                Map<String, Object> pod = map(map(map(o.get("spec")).get("template")).get("spec"));
                List<Object> podContainers = new ArrayList<>(list(pod.get("containers")));
                podContainers.addAll(list(pod.get("initContainers")));
                for (Object c : podContainers) {
                    Map<String, Object> container = map(c);
                    images.add(container.get("image").toString());
                    for (Object from : list(container.get("envFrom"))) {
                        Object ref = map(from).get("configMapRef");
                        assertThat(present).as("%s: %s reads", what, name(o))
                                .contains("ConfigMap/" + map(ref).get("name"));
                    }
                    for (Object e : list(container.get("env"))) {
                        Object source = map(e).get("valueFrom");
                        if (source != null && map(source).get("secretKeyRef") != null) {
                            String secret = map(map(source).get("secretKeyRef")).get("name").toString();
                            if (dev) {
                                assertThat(present).as("%s: %s reads", what, name(o)).contains("Secret/" + secret);
                            } else {
                                assertThat(secret).as("%s: the hand-made Secret", what).isEqualTo("inferq-auth");
                            }
                        }
                    }
                }
            }
            assertThat(images).as("%s: images", what).containsAll(LOCAL_IMAGES);
            if (dev) {
                assertThat(images).as("%s: images", what).containsExactlyInAnyOrderElementsOf(
                        Stream.concat(LOCAL_IMAGES.stream(), DEV_IMAGES.stream()).toList());
                assertThat(present).as(what).contains("StatefulSet/kafka", "Service/kafka", "StatefulSet/redis",
                        "Service/redis");
            }
            for (Map<String, Object> deployment : all.stream().filter(o -> "Deployment".equals(o.get("kind")))
                    .toList()) {
                List<String> scalers = all.stream()
                        .filter(o -> List.of("HorizontalPodAutoscaler", "ScaledObject").contains(o.get("kind")))
                        .filter(o -> name(deployment).equals(map(map(o.get("spec")).get("scaleTargetRef"))
                                .get("name")))
                        .map(o -> o.get("kind") + "/" + name(o)).toList();
                assertThat(scalers).as("%s: what scales %s", what, name(deployment)).hasSize(1);
            }
        }
    }

    /** The command of a kubectl that renders kustomizations with components: its kustomize v4 or newer. */
    private static String kubectlWithKustomize() throws InterruptedException {
        String kubectl = "kubectl";
        String version;
        try {
            version = run(List.of(kubectl, "version", "--client", "-o", "json"));
        } catch (IOException | AssertionError e) {
            return skip("no kubectl on PATH (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
        Object kustomize = map(new Yaml().load(version)).get("kustomizeVersion");
        Matcher major = Pattern.compile("^v(\\d+)\\.").matcher(String.valueOf(kustomize));
        if (kustomize == null || !major.find() || Integer.parseInt(major.group(1)) < 4) {
            String found = kustomize == null ? "unknown (kubectl older than 1.24)" : kustomize.toString();
            return skip("kubectl's kustomize is " + found
                    + "; components need v4 or newer (Debian's kubernetes-client 1.20 has v2)");
        }
        return kubectl;
    }

    private static String skip(String why) {
        String message = "DeployManifestsTest: overlays not rendered: " + why;
        System.out.println(message);
        Assumptions.abort(message);
        return null;
    }

    /** Runs a command, returning its standard output; fails with its standard error when it does not exit 0. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("deploy-test", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
            assertThat(process.exitValue()).as("%s: %s", command, Files.readString(err)).isZero();
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** A Service of this name, on this port, selecting the pods of {@code set}. */
    private static void servedAt(Map<String, Object> set, String host, int port) {
        Map<String, Object> service = only("Service", host);
        Map<String, Object> spec = map(service.get("spec"));
        assertThat(map(set.get("spec")).get("serviceName")).isEqualTo(host);
        assertThat(spec.get("selector")).isEqualTo(podLabels(set));
        assertThat(list(spec.get("ports"))).anySatisfy(p -> assertThat(map(p).get("port")).isEqualTo(port));
        Map<String, Object> container = containers(set).get(0);
        assertThat(list(container.get("ports"))).anySatisfy(p -> assertThat(map(p).get("containerPort"))
                .isEqualTo(port));
    }

    /** Where a container mounts a volume; null when it does not. */
    private static String mountPath(Map<String, Object> container, String volume) {
        return list(container.get("volumeMounts")).stream().map(DeployManifestsTest::map)
                .filter(m -> volume.equals(m.get("name"))).map(m -> m.get("mountPath").toString())
                .findFirst().orElse(null);
    }

    private static Map<String, Object> kustomization(Path folder) {
        return documents(folder.resolve("kustomization.yaml")).get(0);
    }

    private static List<Path> subfolders(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(Files::isDirectory).sorted().toList();
        }
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
