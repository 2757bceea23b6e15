import numpy as np
import pytest
from PIL import Image

from tedigan_demo.imaging import ImageError
from tedigan_demo.synthfaces import LABEL_CLASSES, render_seeds
from tedigan_demo.synthfaces.labels import CELEBAMASK_PALETTE, CELEBAMASK_TO_DOMAIN, colorize, label_from_image


@pytest.fixture(scope="module")
def label():
    return render_seeds([7]).label[0].numpy()


def test_domain_colour_map_round_trips_at_any_size(tmp_path, label):
    Image.fromarray(colorize(label)).resize((256, 256), Image.Resampling.NEAREST).save(tmp_path / "l.png")
    back = label_from_image(str(tmp_path / "l.png"), 64)
    assert (back == label).mean() > 0.97  # nearest-neighbour resizing moves a few border pixels
    # JPEG noise (chroma subsampling included) is tolerated on a map saved at a usual size
    Image.fromarray(colorize(label)).resize((256, 256), Image.Resampling.NEAREST).save(tmp_path / "l.jpg", quality=85)
    assert (label_from_image(str(tmp_path / "l.jpg"), 64) == label).mean() > 0.95


def test_index_images_and_celebamask(tmp_path, label):
    Image.fromarray(label.astype(np.uint8), mode="L").save(tmp_path / "idx.png")
    assert (label_from_image(str(tmp_path / "idx.png"), 64) == label).all()
    celeb = np.zeros((32, 32), np.int64)
    celeb[8:24, 8:24] = 1  # skin
    celeb[10:12, 10:14] = 5  # r_eye
    celeb[20:22, 12:20] = 12  # l_lip
    out = label_from_image(celeb, 32, index_space="celebamask")
    assert out[10, 10] == LABEL_CLASSES.index("eyes") and out[20, 12] == LABEL_CLASSES.index("lips")
    rgb = np.array(CELEBAMASK_PALETTE, np.uint8)[celeb]
    assert (label_from_image(rgb, 32) == np.array(CELEBAMASK_TO_DOMAIN)[celeb]).all()


def test_bad_label_maps(tmp_path):
    with pytest.raises(ImageError, match="all background"):
        label_from_image(np.zeros((64, 64), np.int64), 64)
    rainbow = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    with pytest.raises(ImageError, match="palette"):
        label_from_image(rainbow, 64)
    with pytest.raises(ImageError, match="class indices must be"):
        label_from_image(np.full((64, 64), 40, np.int64), 64)


def test_domain_maps_to_celebamask_with_left_and_right_parts():
    from tedigan_demo.synthfaces.labels import CELEBAMASK_CLASSES, to_celebamask

    d = {n: i for i, n in enumerate(LABEL_CLASSES)}
    label = np.full((4, 8), d["skin"])
    label[1, 1], label[1, 6] = d["eyes"], d["eyes"]  # the image's left eye is the person's right one
    label[0, 0], label[3, 7], label[2, 3] = d["beard"], d["lips"], d["glasses"]
    out = to_celebamask(label)
    c = {n: i for i, n in enumerate(CELEBAMASK_CLASSES)}
    assert out[1, 1] == c["r_eye"] and out[1, 6] == c["l_eye"]
    assert (out[0, 0], out[3, 7], out[2, 3], out[3, 0]) == (c["skin"], c["u_lip"], c["eye_g"], c["skin"])
    back = np.array(CELEBAMASK_TO_DOMAIN)[out]  # and back to the domain, except beards (CelebAMask-HQ has none)
    assert (back[label != d["beard"]] == label[label != d["beard"]]).all()
