mod binary;
mod helpers;
mod matrix;
mod one_port;
mod robustness;
mod schemas;
