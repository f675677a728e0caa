#!/usr/bin/python3
"""Tests for fetch_hf.py against a local HTTP server laid out like huggingface.co (`/{repo}/resolve/{revision}/
{file}`, an X-Repo-Commit header, weights redirected to a CDN path, 404 for a file the repository lacks), serving
small checkpoints written by test_convert_hf.py's helpers. No internet needed, nothing leaves the machine.

  /usr/bin/python3 models/test_fetch_hf.py
"""

import functools
import http.server
import json
import os
import socket
import sys
import tempfile
import threading
import unittest
from unittest import mock

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fetch_hf  # noqa: E402
import generate_models as gm  # noqa: E402
import test_convert_hf as fixture  # noqa: E402
import wordpiece as wp  # noqa: E402

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class HubHandler(http.server.SimpleHTTPRequestHandler):
    """Static files as the Hub serves them: small files directly with an X-Repo-Commit header, weights by a redirect
    to another path (the Hub's CDN), which sends no such header. Records every path asked for."""

    requested = []

    def end_headers(self):
        if not self.path.startswith("/cdn/"):
            self.send_header("X-Repo-Commit", COMMIT)
        super().end_headers()

    def do_GET(self):
        HubHandler.requested.append(self.path)
        if self.path.endswith(("/model.safetensors", "/pytorch_model.bin")) and os.path.exists(
                self.translate_path(self.path)):
            self.send_response(302)
            self.send_header("Location", "/cdn" + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/cdn/"):
            self.path = self.path[len("/cdn"):]
        super().do_GET()

    def log_message(self, *args):
        pass  # quiet: the tests assert on `requested`


class FetchHfTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = cls.tmp.name
        site = os.path.join(cls.root, "site")
        gen = torch.Generator().manual_seed(fixture.SEED)
        vocab_list = fixture.fixture_vocab()
        cls.vocab = {t: k for k, t in enumerate(vocab_list)}
        cls.bert_sd, cls.bert_config = fixture.bert_checkpoint(gen, len(vocab_list))
        # the Hub's layout: /{owner}/{name}/resolve/{revision}/{file}; a text model with safetensors and
        # tokenizer.json, an image model at 96 px with pytorch_model.bin only
        fixture.write_checkpoint(os.path.join(site, "acme", "tiny-bert", "resolve", "main"), cls.bert_sd,
                                 cls.bert_config, "safetensors", {"tokenizer.json": gm.tokenizer_json(vocab_list)})
        cls.vit_sd, cls.vit_config, pre = fixture.vit_checkpoint(gen, fixture.VIT96)
        fixture.write_checkpoint(os.path.join(site, "acme", "tiny-vit", "resolve", "v1.0"), cls.vit_sd,
                                 cls.vit_config, "bin", {"preprocessor_config.json": pre})
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(HubHandler, directory=site))
        # bound and listening once constructed: requests queue until serve_forever picks them up
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.tmp.cleanup()

    def setUp(self):
        HubHandler.requested.clear()

    def out(self):
        return tempfile.mkdtemp(dir=self.root)

    def card(self, folder):
        with open(os.path.join(folder, "model-card.json"), encoding="utf-8") as f:
            return json.load(f)

    def test_a_text_checkpoint_is_downloaded_converted_and_gives_the_reference_logits(self):
        folder = fetch_hf.main(["--repo", "acme/tiny-bert", "--name", "tweets", "--out", self.out(),
                                "--base-url", self.base, "--labels", "quiet,loud"])
        ids = torch.tensor([wp.encode(fixture.TEXTS[0], self.vocab, fixture.BERT["positions"])])
        model = torch.jit.load(os.path.join(folder, "tweets.pt"))
        with torch.no_grad():
            expected = fixture.hf_bert_logits(self.bert_sd, self.bert_config, ids, torch.ones_like(ids))
            got = model(ids, torch.ones_like(ids), torch.zeros_like(ids))
        self.assertLess((got - expected).abs().max().item(), 1e-4)
        card = self.card(folder)
        self.assertEqual(card["labels"], ["quiet", "loud"], "converter options pass through")
        self.assertEqual(card["dataset"]["source"], f"{self.base}/acme/tiny-bert (revision main, commit {COMMIT})")
        self.assertTrue(card["command"].startswith("/usr/bin/python3 models/fetch_hf.py --repo acme/tiny-bert"))
        # safetensors found first, so pytorch_model.bin is never asked for
        self.assertIn("/acme/tiny-bert/resolve/main/model.safetensors", HubHandler.requested)
        self.assertIn("/cdn/acme/tiny-bert/resolve/main/model.safetensors", HubHandler.requested, "redirect followed")
        self.assertNotIn("/acme/tiny-bert/resolve/main/pytorch_model.bin", HubHandler.requested)

    def test_an_image_checkpoint_at_another_revision_falls_back_to_pytorch_model_bin(self):
        folder = fetch_hf.main(["--repo", "acme/tiny-vit", "--revision", "v1.0", "--name", "actions",
                                "--out", self.out(), "--base-url", self.base])
        with open(os.path.join(folder, "serving.properties"), encoding="utf-8") as f:
            self.assertIn("width=96\nheight=96", f.read())
        pixels = fixture.normalised(fixture.seeded_pixels(torch.Generator().manual_seed(1), 96), fixture.VIT96)
        with torch.no_grad():
            expected = fixture.hf_vit_logits(self.vit_sd, self.vit_config, pixels)
            got = torch.jit.load(os.path.join(folder, "actions.pt"))(pixels)
        self.assertLess((got - expected).abs().max().item(), 1e-4)
        self.assertIn("/acme/tiny-vit/resolve/v1.0/pytorch_model.bin", HubHandler.requested)

    def test_a_kept_download_folder_is_reused_without_downloading_again(self):
        keep = os.path.join(self.out(), "download")
        args = ["--repo", "acme/tiny-bert", "--name", "again", "--out", self.out(), "--base-url", self.base,
                "--download-dir", keep]
        fetch_hf.main(args)
        self.assertTrue(os.path.exists(os.path.join(keep, "model.safetensors")))
        self.assertFalse([f for f in os.listdir(keep) if f.endswith(".part")])
        HubHandler.requested.clear()
        fetch_hf.main(args)
        self.assertNotIn("/acme/tiny-bert/resolve/main/model.safetensors", HubHandler.requested)
        self.assertNotIn("/acme/tiny-bert/resolve/main/config.json", HubHandler.requested)

    def test_the_temporary_download_folder_is_removed(self):
        before = set(os.listdir(tempfile.gettempdir()))
        fetch_hf.main(["--repo", "acme/tiny-bert", "--name", "gone", "--out", self.out(), "--base-url", self.base])
        left = {f for f in set(os.listdir(tempfile.gettempdir())) - before if f.startswith("inferq-hf-")}
        self.assertEqual(left, set())

    def test_an_unknown_repository_fails_naming_the_url(self):
        with self.assertRaises(SystemExit) as raised:
            fetch_hf.main(["--repo", "acme/missing", "--name", "x", "--out", self.out(), "--base-url", self.base])
        self.assertIn(f"{self.base}/acme/missing/resolve/main/config.json: HTTP 404", str(raised.exception))

    def test_an_unreachable_hub_points_to_the_offline_route(self):
        # a port nothing listens on: what a machine without internet sees
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{unused.getsockname()[1]}"
        with self.assertRaises(SystemExit) as raised:
            fetch_hf.main(["--repo", "acme/tiny-bert", "--name", "x", "--out", self.out(), "--base-url", closed])
        self.assertIn("no internet? see models/README.md", str(raised.exception))

    def test_the_base_url_defaults_to_hf_endpoint(self):
        with mock.patch.dict(os.environ, {"HF_ENDPOINT": self.base}):
            folder = fetch_hf.main(["--repo", "acme/tiny-bert", "--name", "mirror", "--out", self.out()])
        self.assertTrue(self.card(folder)["dataset"]["source"].startswith(self.base + "/acme/tiny-bert"))

    def test_urls_follow_the_hubs_resolve_layout(self):
        hub = fetch_hf.Hub("https://huggingface.co/", "owner/model-name", "refs/pr/1", self.root)
        self.assertEqual(hub.url("model.safetensors"),
                         "https://huggingface.co/owner/model-name/resolve/refs%2Fpr%2F1/model.safetensors")


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
