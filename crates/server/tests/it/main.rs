mod binary;
mod helpers;
mod interop;
mod matrix;
mod one_port;
mod robustness;
mod schemas;
