#!/usr/bin/python3
"""Part (f) of bench/run: the plain PyTorch yardstick.

Runs a TorchScript image model with Debian's python3-torch, in this process, on the same cores and with the same
intra-op thread count as the worker, and times what the worker's classify() does per batch: resize, scale to 0..1,
normalise, the forward pass and the softmax (the images are decoded once, before timing, as in the engine bench).
Prints one JSON object on its last line: {"torch": version, "threads": n, "rows": [{"batch", "median_ms",
"items_per_sec"}, ...]}.

Exit codes: 0 measured, 3 torch (python3-torch) or PIL (python3-pil) is missing, 2 bad arguments or files.
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import torch
    from PIL import Image
except ImportError as e:
    print(f"torch_reference: {e.name} is missing for {sys.executable}: "
          "apt-get install -y python3-torch libopenblas0-pthread python3-pil", file=sys.stderr)
    sys.exit(3)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-file", required=True, help="TorchScript file taking float32 [batch, 3, H, W]")
    p.add_argument("--images", required=True, help="folder of PNG/JPEG sample images")
    p.add_argument("--width", type=int, default=224)
    p.add_argument("--height", type=int, default=224)
    p.add_argument("--mean", default="0.5,0.5,0.5")
    p.add_argument("--std", default="0.5,0.5,0.5")
    p.add_argument("--batches", default="1,4")
    p.add_argument("--threads", type=int, required=True, help="intra-op threads (torch.set_num_threads)")
    p.add_argument("--warmup", type=int, default=1, help="untimed calls per batch size")
    p.add_argument("--calls", type=int, default=5, help="timed calls per batch size (the median is reported)")
    return p.parse_args()


def main():
    args = parse_args()
    if not os.path.isfile(args.model_file):
        print(f"torch_reference: no model file {args.model_file}", file=sys.stderr)
        sys.exit(2)
    names = sorted(n for n in os.listdir(args.images) if n.lower().endswith((".png", ".jpg", ".jpeg")))
    if not names:
        print(f"torch_reference: no PNG or JPEG files in {args.images}", file=sys.stderr)
        sys.exit(2)
    torch.set_num_threads(args.threads)
    images = [Image.open(os.path.join(args.images, n)).convert("RGB") for n in names]
    mean = torch.tensor([float(v) for v in args.mean.split(",")]).view(1, 3, 1, 1)
    std = torch.tensor([float(v) for v in args.std.split(",")]).view(1, 3, 1, 1)
    model = torch.jit.load(args.model_file).eval()

    def classify(batch):
        pixels = [torch.frombuffer(bytearray(im.resize((args.width, args.height), Image.BILINEAR).tobytes()),
                                   dtype=torch.uint8) for im in batch]
        x = torch.stack(pixels).view(len(batch), args.height, args.width, 3).permute(0, 3, 1, 2).float() / 255
        x = (x - mean) / std
        return torch.softmax(model(x), dim=-1)

    rows = []
    offset = 0
    with torch.inference_mode():
        for batch_size in (int(b) for b in args.batches.split(",")):
            nanos = []
            for i in range(args.warmup + args.calls):
                batch = [images[(offset + k) % len(images)] for k in range(batch_size)]
                offset += batch_size
                t0 = time.perf_counter_ns()
                classify(batch)
                if i >= args.warmup:
                    nanos.append(time.perf_counter_ns() - t0)
            median_ms = statistics.median_low(nanos) / 1e6
            rows.append({"batch": batch_size, "median_ms": median_ms, "items_per_sec": batch_size * 1000 / median_ms})
            print(f"torch_reference: batch {batch_size:2d}: {median_ms:8.1f} ms/call "
                  f"{batch_size * 1000 / median_ms:8.1f} items/s", file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
