"""The TediGAN method as plain functions over tensors: inversion, control mechanism (layer mixing), guidance."""
