"""Tiny random MusicGen checkpoints for tests (no download).

The checkpoints are real ``save_pretrained`` directories (model, tokenizer, feature extractor
config) so that tests load them through the same public path as the facebook checkpoints:
``MusicGenerator(model=str(path))``.

Sizes are chosen so that one decoding step costs well under a millisecond on a CPU:
EnCodec at 8 kHz with a hop of 320 samples (25 codec frames per second), 4 codebooks of 64
codes, a 2-layer 32-wide decoder and a 1-layer T5 encoder. The decoder window is
``max_position_embeddings`` = 64 frames (2.56 s), so long-form generation is cheap to test.

Example:
    >>> from tests.engines.musicgen.tiny import build_tiny_checkpoint
    >>> path = build_tiny_checkpoint(tmp_path / "tiny", kind="mono")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

Kind = Literal["mono", "stereo", "melody"]

#: Output sample rate of the tiny checkpoints.
TINY_SAMPLE_RATE = 8000
#: Codec frames per second (sample rate / hop length 320).
TINY_FRAME_RATE = 25
#: Decoder window in codec frames.
TINY_WINDOW_FRAMES = 64
#: Words the tiny tokenizer knows (others map to <unk>).
TINY_WORDS = (
    "calm", "piano", "melody", "jazz", "rock", "drums", "guitar", "bass", "slow", "fast",
    "happy", "sad", "ambient", "loud", "soft", "synth", "strings", "violin", "techno", "pop",
)  # fmt: skip


def _tokenizer() -> object:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for word in TINY_WORDS:
        vocab[word] = len(vocab)
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=64,
    )


def _sub_configs(audio_channels: int) -> tuple[object, object, object]:
    from transformers import EncodecConfig, MusicgenDecoderConfig, T5Config

    text = T5Config(
        vocab_size=3 + len(TINY_WORDS),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=4,
        pad_token_id=0,
        eos_token_id=1,
        initializer_factor=5.0,
    )
    audio = EncodecConfig(
        sampling_rate=TINY_SAMPLE_RATE,
        audio_channels=1,
        num_filters=4,
        hidden_size=16,
        codebook_size=64,
        codebook_dim=16,
        num_lstm_layers=1,
        num_residual_layers=1,
        upsampling_ratios=[8, 5, 4, 2],
        target_bandwidths=[0.6],  # 1000 * 0.6 // (25 * 6 bits) = 4 codebooks
        chunk_length_s=None,
        overlap=None,
        normalize=False,
        use_causal_conv=False,
        pad_mode="reflect",
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        ffn_dim=64,
        num_codebooks=4 * audio_channels,
        audio_channels=audio_channels,
        max_position_embeddings=TINY_WINDOW_FRAMES,
        pad_token_id=64,
        bos_token_id=64,
        decoder_start_token_id=64,
        # Large random weights so that the conditioning visibly changes greedy decoding.
        initializer_factor=0.5,
    )
    return text, audio, decoder


def build_tiny_checkpoint(path: Path, kind: Kind = "mono", seed: int = 0) -> Path:
    """Write a tiny random MusicGen checkpoint directory and return its path.

    Args:
        path: Directory to create (parents too).
        kind: "mono", "stereo" (audio_channels=2, 8 interleaved codebooks) or "melody"
            (MusicgenMelodyForConditionalGeneration with chroma conditioning).
        seed: Seed for the random weights.
    """
    import torch
    from transformers import (
        EncodecFeatureExtractor,
        GenerationConfig,
        MusicgenConfig,
        MusicgenForConditionalGeneration,
        MusicgenMelodyConfig,
        MusicgenMelodyForConditionalGeneration,
        MusicgenProcessor,
    )

    torch.manual_seed(seed)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    channels = 2 if kind == "stereo" else 1
    text, audio, decoder = _sub_configs(channels)
    model: MusicgenForConditionalGeneration | MusicgenMelodyForConditionalGeneration
    if kind == "melody":
        from transformers import MusicgenMelodyDecoderConfig

        melody_decoder = MusicgenMelodyDecoderConfig(**decoder.to_dict())  # type: ignore[attr-defined]
        config = MusicgenMelodyConfig(
            text_encoder=text.to_dict(),  # type: ignore[attr-defined]
            audio_encoder=audio.to_dict(),  # type: ignore[attr-defined]
            decoder=melody_decoder.to_dict(),
            num_chroma=12,
            chroma_length=16,
        )
        model = MusicgenMelodyForConditionalGeneration(config).eval()
    else:
        config = MusicgenConfig(
            text_encoder=text.to_dict(),  # type: ignore[attr-defined]
            audio_encoder=audio.to_dict(),  # type: ignore[attr-defined]
            decoder=decoder.to_dict(),  # type: ignore[attr-defined]
        )
        model = MusicgenForConditionalGeneration(config).eval()
    with torch.no_grad():
        # EnCodec's codebooks start at zero (they are learned by k-means); give every code its
        # own vector, on the scale of the encoder's output, so that different codes decode to
        # different audio and different audio encodes to different codes.
        # A random encoder's output is mostly its constant bias: re-centre and re-scale its last
        # convolution so that the part that follows the audio has unit spread, like the codes.
        probe = model.audio_encoder.encoder(torch.randn(1, 1, TINY_SAMPLE_RATE) * 0.3)[0]
        centre = probe.mean(dim=-1)
        gain = 1.0 / float((probe - centre[:, None]).std())
        last = model.audio_encoder.encoder.layers[-1].conv
        last.parametrizations.weight.original0.mul_(gain)
        last.bias.copy_((last.bias - centre) * gain)
        for name, buffer in model.audio_encoder.quantizer.named_buffers():
            if name.endswith("codebook.embed") or name.endswith("codebook.embed_avg"):
                buffer.copy_(torch.randn_like(buffer.float()))
            elif name.endswith("codebook.inited") or name.endswith("codebook.cluster_size"):
                buffer.fill_(1.0)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=64,
        pad_token_id=64,
        bos_token_id=64,
        do_sample=True,
        guidance_scale=3.0,
        max_length=TINY_WINDOW_FRAMES,
    )
    model.save_pretrained(path)
    tokenizer = _tokenizer()
    if kind == "melody":
        # The melody feature extractor needs torchaudio to be built; write its config the way
        # the facebook melody checkpoints ship it (the engine computes chroma itself).
        tokenizer.save_pretrained(path)  # type: ignore[attr-defined]
        (path / "preprocessor_config.json").write_text(
            json.dumps(
                {
                    "feature_extractor_type": "MusicgenMelodyFeatureExtractor",
                    "processor_class": "MusicgenMelodyProcessor",
                    "feature_size": 12,
                    "num_chroma": 12,
                    "sampling_rate": TINY_SAMPLE_RATE,
                    "hop_length": 512,
                    "n_fft": 2048,
                    "chunk_length": 30,
                    "padding_value": 0.0,
                    "padding_side": "left",
                    "return_attention_mask": False,
                    "stem_indices": [3, 2],
                },
                indent=2,
            )
        )
    else:
        extractor = EncodecFeatureExtractor(
            feature_size=channels, sampling_rate=TINY_SAMPLE_RATE, padding_side="left"
        )
        MusicgenProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(path)
    return path


def build_hub_cache(cache_dir: Path, repo_id: str, source: Path) -> Path:
    """Lay out a checkpoint directory as a Hugging Face hub cache entry for ``repo_id``.

    Lets tests load a hub name (``facebook/musicgen-small``) offline from ``cache_dir``.
    """
    import shutil

    commit = "0" * 40
    repo = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True, exist_ok=True)
    for file in Path(source).iterdir():
        shutil.copy2(file, snapshot / file.name)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot
