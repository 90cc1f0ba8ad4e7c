"""Train and export the small digits CNN (sklearn load_digits upscaled to 28x28).

Run from the project root:  /usr/bin/python3 scripts/export/digits_cnn.py

Writes
  bundles/digits_cnn/digits_cnn.onnx     input image [N,1,28,28] float32 -> logits [N,10]
  bundles/digits_cnn/preprocess.json     x = ((pixel / scale) - mean) / std
  bundles/digits_cnn/images/digit_<label>_<i>.png|.jpg   held-out digits (8-bit grayscale)
  bundles/digits_cnn/reference.json      logits computed from the images as decoded from the files
  tests/fixtures/rgb_28.png              28x28 RGB PNG (a held-out digit with R=G=B)
  tests/fixtures/not_an_image.png        random bytes (corrupt image)

Pipeline: the 8x8 digits (0..16) are mapped to uint8 (v*255/16, rounded), upscaled
with PIL bilinear to 28x28 uint8, and the network is trained on exactly the
preprocessing documented in preprocess.json, so files decoded at serve time
follow the same path as training data.
"""
import io
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import path, write_json  # noqa: E402

SEED = 0
EPOCHS = 20
PRE = {"width": 28, "height": 28, "channels": 1, "mean": [0.5], "std": [0.5], "scale": 255}


def to_u8_28(img8):
    """8x8 float image with values 0..16 -> 28x28 uint8 (PIL bilinear)."""
    u8 = np.clip(np.rint(img8 * 255.0 / 16.0), 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(u8, mode="L").resize((28, 28), Image.BILINEAR),
                      dtype=np.uint8)


def normalize(u8):
    """uint8 [..., 28, 28] -> float32 per preprocess.json."""
    x = u8.astype(np.float32) / np.float32(PRE["scale"])
    return (x - np.float32(PRE["mean"][0])) / np.float32(PRE["std"][0])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),    # 28 -> 26 -> 13
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),   # 13 -> 11 -> 5
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 5 * 5, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.RandomState(SEED)

    d = load_digits()
    imgs = np.stack([to_u8_28(im) for im in d.images])       # [1797,28,28] uint8
    labels = d.target.astype(np.int64)
    idx_tr, idx_te = train_test_split(np.arange(len(labels)), test_size=0.2,
                                      random_state=SEED, stratify=labels)
    Xtr = torch.from_numpy(normalize(imgs[idx_tr])[:, None])
    ytr = torch.from_numpy(labels[idx_tr])
    Xte = torch.from_numpy(normalize(imgs[idx_te])[:, None])
    yte = labels[idx_te]

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    lossf = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(SEED)
    for epoch in range(EPOCHS):
        net.train()
        perm = torch.randperm(len(ytr), generator=g)
        for i in range(0, len(perm), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = lossf(net(Xtr[b]), ytr[b])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(Xte).argmax(1).numpy() == yte).mean()
        print(f"epoch {epoch}: loss {loss.item():.4f} held-out accuracy {acc:.4f}")
    print(f"digits CNN held-out accuracy: {acc:.4f} ({len(yte)} images)")

    # ---- export ----
    out = path("bundles", "digits_cnn", "digits_cnn.onnx")
    buf = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), buf, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    model = onnx.load_from_string(buf.getvalue())
    model.producer_name = "obento-export(torch)"
    model.producer_version = ""
    onnx.checker.check_model(model)
    with open(out, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    write_json(path("bundles", "digits_cnn", "preprocess.json"), PRE)

    # ---- held-out images: 3 PNG + 3 JPEG, distinct labels ----
    want = [3, 7, 0, 2, 5, 8]
    chosen = []
    for lab in want:
        cand = [i for i in idx_te if labels[i] == lab]
        chosen.append(cand[0])
    entries = []
    for k, i in enumerate(chosen):
        ext = "png" if k < 3 else "jpg"
        rel = f"images/digit_{labels[i]}_{k}.{ext}"
        p = path("bundles", "digits_cnn", rel)
        im = Image.fromarray(imgs[i], mode="L")
        if ext == "png":
            im.save(p, format="PNG", optimize=False)
        else:
            im.save(p, format="JPEG", quality=95)
        back = Image.open(p)
        back.load()
        assert back.size == (28, 28) and back.mode == "L", (back.size, back.mode)
        u8 = np.asarray(back, dtype=np.uint8)
        if ext == "png":
            assert np.array_equal(u8, imgs[i])
        x = torch.from_numpy(normalize(u8)[None, None])
        with torch.no_grad():
            logits = net(x)[0].numpy().astype(np.float32)
        entries.append({"file": rel, "label": int(labels[i]),
                        "predicted": int(logits.argmax()),
                        "logits": logits.astype(np.float64).tolist()})
        print(rel, "label", labels[i], "predicted", int(logits.argmax()))
    write_json(path("bundles", "digits_cnn", "reference.json"), {"images": entries})

    # ---- adapter fixtures ----
    i = [j for j in idx_te if labels[j] == 4][0]
    rgb = np.repeat(imgs[i][:, :, None], 3, axis=2)
    Image.fromarray(rgb, mode="RGB").save(path("tests", "fixtures", "rgb_28.png"), format="PNG")
    with torch.no_grad():
        print("tests/fixtures/rgb_28.png: digit 4 (R=G=B), predicted",
              int(net(torch.from_numpy(normalize(imgs[i])[None, None])).argmax()))
    with open(path("tests", "fixtures", "not_an_image.png"), "wb") as f:
        f.write(rng.bytes(512))


if __name__ == "__main__":
    main()
