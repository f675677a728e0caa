# syntax=docker/dockerfile:1
# Both images from one Maven build. Build from the repository root, naming the image you want:
#   docker build --target gateway -t inferq/api-gateway:local .
#   docker build --target worker  -t inferq/inference-worker:local .
#   docker compose build            (both; the Maven stage runs once and the second image reuses it from the cache)
# For another architecture: docker buildx build --platform linux/arm64 --target worker ... (amd64 and arm64 only:
# the worker's libtorch is chosen by TARGETARCH). Needs BuildKit (default in current Docker): cache mounts, a
# here-document and the platform arguments below. Without --target the worker image is built (the last stage).

# The Maven stage runs on the machine's own platform even when building for another one: its output is Java bytecode
# plus the libtorch jar of the target, chosen explicitly below rather than by the build machine's Maven profile.
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-17 AS build
ARG TARGETARCH
WORKDIR /src
# The whole reactor is copied because every module pom is needed to read the root pom; .dockerignore drops
# target/, models/ and run/.
COPY . .
# The cache mount keeps ~/.m2 between builds without baking it into a layer. Spring Boot's extracted layout
# (<module>.jar + lib/) starts faster than the nested fat jar.
RUN --mount=type=cache,target=/root/.m2 \
    case "${TARGETARCH:-amd64}" in \
      amd64) native=linux-x86_64 ;; \
      arm64) native=linux-aarch64 ;; \
      *) echo "no libtorch for linux/${TARGETARCH}: build for linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac \
 && echo "libtorch: pytorch-native-cpu ${native} (TARGETARCH ${TARGETARCH:-amd64})" \
 && mvn -B -ntp -Dmaven.test.skip=true -Dinferq.native.classifier="${native}" \
        -pl api-gateway,inference-worker -am package \
 && mkdir /out \
 && java -Djarmode=tools -jar api-gateway/target/api-gateway.jar extract --destination /out/gateway \
 && java -Djarmode=tools -jar inference-worker/target/inference-worker.jar extract --destination /out/worker

# Loads DJL's native libraries once so the worker image can unpack them at build time (see below).
COPY <<'EOF' /warm/DjlWarmUp.java
public class DjlWarmUp {
    public static void main(String[] args) {
        System.out.println("PyTorch " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
    }
}
EOF
RUN javac -cp '/out/worker/lib/*' -d /warm /warm/DjlWarmUp.java

# What both images share: the JRE and an unprivileged user.
FROM eclipse-temurin:17-jre AS runtime
RUN groupadd --system --gid 10001 inferq \
 && useradd --system --uid 10001 --gid inferq --home-dir /app --shell /usr/sbin/nologin inferq
WORKDIR /app

FROM runtime AS gateway
COPY --from=build /out/gateway /app
USER 10001:10001
ENV GATEWAY_PORT=8080 \
    MODELS_DIR=/models
EXPOSE 8080
# Exec form: java is PID 1 and gets the SIGTERM from `docker stop` for a graceful shutdown. Extra JVM flags go in
# JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/api-gateway.jar"]

FROM runtime AS worker
RUN mkdir -p /var/cache/djl \
 && chown inferq:inferq /var/cache/djl
COPY --from=build /out/worker /app
COPY --from=build /warm/DjlWarmUp.class /opt/djl-warm-up/
USER 10001:10001
# DJL must never reach for the network: models and libtorch come from local files. OMP_WAIT_POLICY=PASSIVE: libgomp's
# threads sleep between forward passes instead of spinning, which on cores shared with Kafka, Redis or other workers
# made a 2-thread pass 5 to 8 times slower (README, "Compute scheduling"); override it in the environment.
ENV DJL_OFFLINE=true \
    OMP_WAIT_POLICY=PASSIVE \
    DJL_CACHE_DIR=/var/cache/djl \
    WORKER_PORT=8081 \
    MODELS_DIR=/models
# libtorch (~445 MB) and the tokenizers library are unpacked from their jars into DJL_CACHE_DIR here, at build
# time (about 3 s), instead of in every container on every start. It also fails the build, not the first start,
# if the natives cannot load on this base image (or were built for another architecture).
RUN java -Dai.djl.offline=true -cp '/app/lib/*:/opt/djl-warm-up' DjlWarmUp
EXPOSE 8081
# Exec form: java is PID 1 and gets the SIGTERM from `docker stop`, so consumers leave their group cleanly.
# A quarter of the container's memory for the heap: the models and libtorch's buffers live outside it. Measured
# with the full-size models (bench/RESULTS.md): heap in use under 100 MB, resident size about 0.7 GB for a text
# worker and up to 1.1 GB for the ViT worker. Extra JVM flags go in JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError", "-Dai.djl.offline=true", \
            "-jar", "/app/inference-worker.jar"]
