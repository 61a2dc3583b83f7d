// qd_export's page: draws with generator.onnx in ONNX Runtime Web (wasm), all in the browser.
// page.json describes the model and holds the noise of the first grid: the noise qd_sample draws
// for the seed given to qd_export, so that the grid shows qd_sample's drawings.
// URL parameters: ?seed=N (another seed: noise from this page's own generator, not torch's),
// ?category=NAME (conditional models), ?psi=X (truncation on), ?probe=1 (for tests: the grid's
// pixels, read back from the canvas, and the walk's frames are published as data attributes of
// <body>).
'use strict';

(() => {
  const params = new URLSearchParams(location.search);
  const probe = params.has('probe');
  const $ = (id) => document.getElementById(id);

  // Random numbers: mulberry32, and normals by Box-Muller.
  function rng(seed) {
    let a = seed >>> 0;
    const uniform = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const normal = () => {
      const u = 1 - uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
    };
    return { uniform, normal };
  }
  const freshSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

  // BigGAN's truncation trick: components beyond |psi| are drawn again until they are within.
  function truncate(z, psi, random) {
    const out = Float32Array.from(z);
    for (let i = 0; i < out.length; ++i) {
      while (Math.abs(out[i]) > psi) out[i] = random.normal();
    }
    return out;
  }

  function slerp(a, b, t) {
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; ++i) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb))));
    const s = Math.sin(omega);
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; ++i) {
      out[i] = s < 1e-6 ? (1 - t) * a[i] + t * b[i]
                        : (Math.sin((1 - t) * omega) * a[i] + Math.sin(t * omega) * b[i]) / s;
    }
    return out;
  }

  // 32-bit FNV-1a of bytes (the probe's frame fingerprints).
  function fnv(bytes) {
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h.toString(16);
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  async function main() {
    const page = await (await fetch('page.json')).json();
    const { latent_dim: latent, side, channels, categories } = page;
    const count = page.first.count;
    const columns = Math.min(8, count);
    const scale = Math.max(1, Math.round(96 / side));
    const pixels = side * side * channels;
    $('about').textContent =
        `${page.arch} generator of ${categories.join(', ')}: ${side}x${side}` +
        (channels === 3 ? ' colour' : ' grey') + `, latent ${latent}` +
        (page.conditional ? ', conditional' : '') + ` (qd ${page.qd_version})`;

    ort.env.wasm.numThreads = 1;  // no SharedArrayBuffer: any static server will do
    ort.env.wasm.wasmPaths = new URL('./', location.href).href;
    const session = await ort.InferenceSession.create('generator.onnx',
                                                      { executionProviders: ['wasm'] });
    let queue = Promise.resolve();  // one run of the session at a time
    const generate = (z, labels) => {
      const run = queue.then(async () => {
        const n = z.length / latent;
        const feeds = { z: new ort.Tensor('float32', z, [n, latent]) };
        if (page.conditional) feeds.label = new ort.Tensor('int64', labels, [n]);
        return (await session.run(feeds)).images.data;
      });
      queue = run.catch(() => {});
      return run;
    };

    // Each image as display pixels: grey Quick, Draw! ink dark on white, as qd_sample --grid.
    const shown = (v) => (page.ink && channels === 1 ? 255 - v : v);
    function paint(canvas, images, n, cols, s) {
      const rows = Math.ceil(n / cols);
      const cell = side * s;
      canvas.width = cols * cell;
      canvas.height = rows * cell;
      const ctx = canvas.getContext('2d');
      const image = ctx.createImageData(canvas.width, canvas.height);
      image.data.fill(255);
      for (let k = 0; k < n; ++k) {
        const x0 = (k % cols) * cell, y0 = Math.floor(k / cols) * cell;
        for (let y = 0; y < side; ++y) {
          for (let x = 0; x < side; ++x) {
            const p = k * pixels + (y * side + x) * channels;
            const rgb = channels === 3 ? [images[p], images[p + 1], images[p + 2]]
                                       : [images[p], images[p], images[p]];
            for (let dy = 0; dy < s; ++dy) {
              for (let dx = 0; dx < s; ++dx) {
                const q = ((y0 + y * s + dy) * canvas.width + x0 + x * s + dx) * 4;
                image.data[q] = shown(rgb[0]);
                image.data[q + 1] = shown(rgb[1]);
                image.data[q + 2] = shown(rgb[2]);
              }
            }
          }
        }
      }
      ctx.putImageData(image, 0, 0);
    }
    // The images back from the canvas (one canvas pixel per image pixel), as the model gave them.
    function readBack(canvas, n, cols, s) {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      const out = new Uint8Array(n * pixels);
      const cell = side * s;
      for (let k = 0; k < n; ++k) {
        const x0 = (k % cols) * cell, y0 = Math.floor(k / cols) * cell;
        for (let y = 0; y < side; ++y) {
          for (let x = 0; x < side; ++x) {
            const q = ((y0 + y * s) * canvas.width + x0 + x * s) * 4;
            for (let c = 0; c < channels; ++c) {
              out[k * pixels + (y * side + x) * channels + c] = shown(data[q + c]);
            }
          }
        }
      }
      return out;
    }

    // The category picker: every category in turn (as qd_sample), or one.
    const picker = $('category');
    if (page.conditional) {
      $('category-box').hidden = false;
      picker.add(new Option('every category', '-1'));
      categories.forEach((c, i) => picker.add(new Option(c, String(i))));
      const wanted = params.get('category') ?? page.first.category;
      picker.value = String(Math.max(-1, categories.indexOf(wanted)));
    }
    const labelsFor = (n) => {
      const picked = Number(picker.value || -1);
      return BigInt64Array.from({ length: n },
                                (_, i) => BigInt(picked >= 0 ? picked : i % categories.length));
    };

    // The grid's noise: qd_sample's for qd_export's seed, or this page's own for another.
    const seedParam = params.get('seed');
    let seed = seedParam === null ? page.first.seed : Number(seedParam);
    let random = rng(seed);
    let base = seed === page.first.seed ? Float32Array.from(page.first.z)
                                        : Float32Array.from({ length: count * latent }, random.normal);
    const truncation = () => ($('truncate').checked ? Number($('psi').value) : 0);
    if (params.has('psi')) {
      $('truncate').checked = true;
      $('psi').value = params.get('psi');
    }
    $('psi-value').textContent = Number($('psi').value).toFixed(2);

    let draws = 0;
    async function drawGrid() {
      const psi = truncation();
      const z = psi > 0 ? truncate(base, psi, rng(seed ^ 0x9e3779b9)) : base;
      const images = await generate(z, labelsFor(count));
      paint($('grid'), images, count, columns, scale);
      draws += 1;
      if (probe) {
        document.body.dataset.pixels = hex(readBack($('grid'), count, columns, scale));
        document.body.dataset.draws = String(draws);
        document.body.dataset.category = picker.value || '-1';
      }
      $('status').textContent = `seed ${seed}` + (psi > 0 ? `, truncation psi ${psi}` : '');
    }

    // The walk: one drawing moving along great circles between random points of the latent space.
    const walkRandom = rng(seed + 1);
    const point = () => {
      const z = Float32Array.from({ length: latent }, walkRandom.normal);
      const psi = truncation();
      return psi > 0 ? truncate(z, psi, walkRandom) : z;
    };
    let from = point(), to = point(), t = 0, walking = true;
    const frames = [];
    async function walkStep() {
      if (walking) {
        const z = slerp(from, to, t);
        t += 1 / 40;
        if (t >= 1) { from = to; to = point(); t = 0; }
        const picked = Number(picker.value || -1);
        const label = BigInt64Array.of(BigInt(picked >= 0 ? picked : 0));
        const image = await generate(z, label);
        paint($('walk'), image, 1, 1, scale * 2);
        if (probe) {
          frames.push(fnv(readBack($('walk'), 1, 1, scale * 2)));
          document.body.dataset.walk = frames.slice(-24).join(',');
        }
      }
      setTimeout(walkStep, 40);
    }

    $('fresh').onclick = () => {
      seed = freshSeed();
      random = rng(seed);
      base = Float32Array.from({ length: count * latent }, random.normal);
      drawGrid();
    };
    picker.onchange = drawGrid;
    $('truncate').onchange = drawGrid;
    $('psi').oninput = () => {
      $('psi-value').textContent = Number($('psi').value).toFixed(2);
      if ($('truncate').checked) drawGrid();
    };
    $('walk-toggle').onclick = () => {
      walking = !walking;
      $('walk-toggle').textContent = walking ? 'Pause walk' : 'Resume walk';
    };
    $('fresh').disabled = false;
    $('walk-toggle').disabled = false;
    await drawGrid();
    document.body.dataset.state = 'ready';
    walkStep();
  }

  main().catch((e) => {
    document.body.dataset.state = 'error';
    document.body.dataset.error = String(e);
    $('status').textContent = `Could not draw: ${e}. Serve this directory over HTTP ` +
                              '(python3 -m http.server), not as a file.';
  });
})();
