"""Remote photoplethysmography: face colour traces -> blood volume pulse (BVP).

* :mod:`micropulse.rppg.classic` — the unsupervised methods (GREEN, ICA, CHROM, LGI, PBV, POS,
  OMIT, PCA, SSR): pure numpy/scipy, no torch.
* :mod:`micropulse.rppg.deep` — the neural models (torch; imported only when asked for).

Nothing is imported here, so ``import micropulse.rppg`` is free and never pulls in torch.
"""
