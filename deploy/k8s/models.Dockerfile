# The models folder as an image, for the init container that copies it into each inferq pod (deploy/k8s/base).
# Build it with the models folder as the context:
#   docker build -t inferq/models:local -f deploy/k8s/models.Dockerfile models/tiny
#   docker build -t inferq/models:local -f deploy/k8s/models.Dockerfile models/full   # the full-size models
# busybox: the init container needs only cp. The files stay world-readable, for the pods' non-root user.
FROM busybox:1.37
COPY . /models/
