#!/usr/bin/python3
"""Download a Hugging Face checkpoint from huggingface.co and convert it into inferq's model layout.

Fetches a model repository's files the way the Hub serves them (`{base}/{repo}/resolve/{revision}/{file}`, with
urllib: no `huggingface_hub`, no `transformers`) and runs convert_hf.py on them. Nothing is downloaded unless this
script is run. Files: config.json; model.safetensors, else pytorch_model.bin; whichever of tokenizer.json, vocab.txt,
vocab.json, merges.txt, tokenizer_config.json and preprocessor_config.json the repository has.

Usage
-----
  /usr/bin/python3 models/fetch_hf.py --repo OWNER/NAME --name NAME [--out models/full] [--revision main]
      [--download-dir DIR] [--base-url URL] [convert_hf.py options: --labels a,b --max-length N --variants ...]

  --download-dir  keep the downloaded files there (a later run reuses them); default a temporary folder, removed
                  after the conversion
  --base-url      default $HF_ENDPOINT (as huggingface_hub reads it), else https://huggingface.co

Without internet: download the same files elsewhere, copy the folder over and run convert_hf.py on it
(models/README.md). models/test_fetch_hf.py tests this script against a local HTTP server.
"""

import argparse
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_hf  # noqa: E402

WEIGHTS = ["model.safetensors", "pytorch_model.bin"]
OPTIONAL = ["tokenizer.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer_config.json",
            "preprocessor_config.json"]
CHUNK = 1 << 20


class Hub:
    """Downloads one repository's files at one revision into a folder, remembering the commit the Hub names."""

    def __init__(self, base_url, repo, revision, folder):
        self.base = base_url.rstrip("/")
        self.repo = repo
        self.revision = revision
        self.folder = folder
        self.commit = None

    def url(self, file):
        # a revision may be a branch, a tag, a commit or refs/pr/N: quoted whole, as huggingface_hub does
        return (f"{self.base}/{urllib.parse.quote(self.repo)}/resolve/"
                f"{urllib.parse.quote(self.revision, safe='')}/{urllib.parse.quote(file)}")

    def fetch(self, file, required):
        """Path of the downloaded file; None when the repository has no such file and it is not required. A file
        already in the folder is kept: a download lands under .part and is renamed only once complete."""
        path = os.path.join(self.folder, file)
        if os.path.exists(path):
            print(f"  {file}: already downloaded")
            return path
        request = urllib.request.Request(self.url(file), headers={"User-Agent": "inferq-fetch_hf"})
        try:
            response = urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 404 and not required:
                return None
            if e.code in (401, 403):
                raise SystemExit(f"{self.url(file)}: HTTP {e.code}: a gated or private repository; download it "
                                 f"with your credentials elsewhere and run convert_hf.py on the folder")
            raise SystemExit(f"{self.url(file)}: HTTP {e.code} {e.reason}")
        except urllib.error.URLError as e:
            raise SystemExit(f"{self.url(file)}: {e.reason} (no internet? see models/README.md, 'Converting a "
                             f"Hugging Face checkpoint')")
        with response:
            self.commit = self.commit or response.headers.get("X-Repo-Commit")
            total = response.headers.get("Content-Length")
            part = path + ".part"
            done = 0
            with open(part, "wb") as out:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
            if total is not None and done != int(total):
                raise SystemExit(f"{self.url(file)}: got {done} of {total} bytes")
        os.replace(part, path)
        print(f"  {file}: {done / 1e6:.1f} MB")
        return path

    def download(self):
        print(f"{self.repo} @ {self.revision} from {self.base} -> {self.folder}")
        self.fetch("config.json", required=True)
        for weights in WEIGHTS:
            if self.fetch(weights, required=False):
                break
        else:
            raise SystemExit(f"{self.repo} has neither {' nor '.join(WEIGHTS)} at {self.revision} (sharded "
                             f"checkpoints are not supported)")
        for file in OPTIONAL:
            self.fetch(file, required=False)

    def source(self):
        commit = f", commit {self.commit}" if self.commit else ""
        return f"{self.base}/{self.repo} (revision {self.revision}{commit})"


def main(argv=None):
    # allow_abbrev off: an abbreviated converter option must reach convert_hf.py, not match one of these
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False,
                                     epilog="Other options go to convert_hf.py (--labels, --max-length, --variants, "
                                            "--licence, --dataset, --source).")
    parser.add_argument("--repo", required=True, help="Hugging Face model repository, OWNER/NAME")
    parser.add_argument("--name", required=True, help="inferq model name (output folder and .pt name)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "full"),
                        help="folder that receives the model folder NAME (default models/full)")
    parser.add_argument("--revision", default="main", help="branch, tag or commit (default main)")
    parser.add_argument("--download-dir", help="keep the downloaded files here (default: a temporary folder)")
    parser.add_argument("--base-url", default=os.environ.get("HF_ENDPOINT", "https://huggingface.co"),
                        help="the Hub's address (default $HF_ENDPOINT, else https://huggingface.co)")
    argv = sys.argv[1:] if argv is None else argv
    args, converter_args = parser.parse_known_args(argv)
    if args.repo.count("/") != 1:
        parser.error(f"--repo {args.repo!r}: expected OWNER/NAME")
    command = "/usr/bin/python3 models/fetch_hf.py " + " ".join(argv)
    folder = args.download_dir or tempfile.mkdtemp(prefix="inferq-hf-")
    try:
        os.makedirs(folder, exist_ok=True)
        hub = Hub(args.base_url, args.repo, args.revision, folder)
        hub.download()
        # --source first: one given among the converter options comes later and wins
        return convert_hf.main([folder, "--name", args.name, "--out", args.out, "--source", hub.source()]
                               + converter_args, command=command)
    finally:
        if not args.download_dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
