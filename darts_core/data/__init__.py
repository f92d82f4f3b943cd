"""Datasets of the search: CIFAR-10/100 (python tarballs), ImageNet16-120 (pickles), SVHN (MATLAB files),
scikit-learn digits.

No torchvision: images are kept in memory as uint8 tensors and augmented batch-wise (transforms.py);
`loaders.search_loaders` / `loaders.eval_loaders` are the entry points.
"""

DATASETS = ("cifar10", "cifar100", "ImageNet16-120", "digits", "svhn")
NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120, "digits": 10, "svhn": 10}
