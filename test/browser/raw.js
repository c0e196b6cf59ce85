// Loaded by raw.html: no library, just a readiness flag for the harness self-test.
document.body.dataset.ready = '1';
