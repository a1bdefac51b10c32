mod binary;
mod helpers;
mod interop;
mod matrix;
mod one_port;
mod push;
mod robustness;
mod schemas;
